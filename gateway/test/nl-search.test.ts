/**
 * patientSearch end to end: a clinician signs up, imports Synthea-shaped people through the edge
 * (nginx when installed; REQUIRE_NGINX=1 demands it), and asks in plain words; the answer and its
 * interpretation come back through nginx and the gateway. Every process logs at trace level, and
 * none of their lines holds the query's words.
 */
import { personOf } from '@healthsync/patients/scripts/nl-search-evaluation/generate';
import { syntheaPeople } from '@healthsync/patients/scripts/synthea-fixtures';
import { loadStackConfig } from '../src/environment.js';
import { graphql, startTestStack, type TestStack } from '../src/stack/test-stack.js';

const { REQUIRE_NGINX } = loadStackConfig(process.env);
let testStack: TestStack;
let output = '';

beforeAll(async () => {
  testStack = await startTestStack({
    requireNginx: REQUIRE_NGINX,
    launcher: {
      logLevel: 'trace',
      onOutput: (_child, text) => {
        output += text;
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await testStack?.stop();
}, 60_000);

const SIGN_UP = 'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken } }';
const IMPORT =
  'mutation Import($resources: JSON!) { importPatients(resources: $resources) { created failed { message } } }';
const SEARCH = `query NaturalSearch($query: String!) {
  patientSearch(query: $query, first: 100) {
    interpretation { gender ageFrom city state conditions { code display } medications { code } unparsed }
    patients { totalCount edges { node { id fullName birthDate } } }
  }
}`;

test('ask in plain words through nginx and the gateway: the interpretation and the patients it means', async () => {
  const edge = testStack.edge;
  const signUp = await graphql(edge, SIGN_UP, {
    input: { email: 'nl-search@example.org', password: 'a long and unguessable secret', name: 'Clinician' },
  });
  expect(signUp.errors).toBeUndefined();
  const auth = { authorization: `Bearer ${signUp.data?.signUp.accessToken}` };
  const people = [...syntheaPeople(1602, 24, { encounters: [7, 9], variety: true })];
  // What search reads (observations are most of a record, and of the request's size).
  const searched = new Set(['Patient', 'Condition', 'MedicationRequest', 'AllergyIntolerance']);
  for (const person of people) {
    const bundle = person.bundle as { entry: { resource: { resourceType: string } }[] };
    const resources = { ...bundle, entry: bundle.entry.filter((entry) => searched.has(entry.resource.resourceType)) };
    const imported = await graphql(edge, IMPORT, { resources }, auth);
    expect([imported.errors, imported.data?.importPatients]).toEqual([undefined, { created: 1, failed: [] }]);
  }

  const records = people.map((person, i) => personOf(person.bundle, i));
  const diabetics = records.filter((p) => p.conditions.some((c) => c.active && c.code === '44054006'));
  const prediabetic = records.filter((p) => p.conditions.some((c) => c.active && c.code === '15777000'));
  expect(diabetics.length).toBeGreaterThan(0);
  expect(prediabetic.length).toBeGreaterThan(0); // so that "diabetes" finding none of them means something

  const search = await graphql(edge, SEARCH, { query: 'patients with diabetes on metformin' }, auth);
  expect([search.status, search.errors]).toEqual([200, undefined]);
  const { interpretation, patients } = search.data?.patientSearch ?? {};
  expect(interpretation).toEqual({
    gender: null,
    ageFrom: null,
    city: null,
    state: null,
    conditions: [{ code: '44054006', display: 'Diabetes mellitus type 2 (disorder)' }],
    medications: [{ code: '860975' }],
    unparsed: [],
  });
  const meant = diabetics.filter((p) => p.medications.some((m) => m.active && m.code === '860975'));
  const names = (list: { fullName: string }[]) => list.map((p) => p.fullName).sort();
  expect(names(patients.edges.map((edge: { node: { fullName: string } }) => edge.node))).toEqual(
    names(meant.map((p) => ({ fullName: `${p.givenName} ${p.familyName}` }))),
  );
  expect(patients.totalCount).toBe(meant.length);

  const place = await graphql(edge, SEARCH, { query: 'women in Springfield, IL' }, auth);
  expect(place.data?.patientSearch.interpretation).toMatchObject({
    gender: 'FEMALE',
    city: 'Springfield',
    state: 'IL',
  });
  const springfield = records.filter(
    (p) => p.gender === 'FEMALE' && p.address.city === 'Springfield' && p.address.state === 'Illinois',
  );
  expect(place.data?.patientSearch.patients.totalCount).toBe(springfield.length);

  const unauthenticated = await graphql(edge, SEARCH, { query: 'women' });
  expect(unauthenticated.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const mistaken = await graphql(edge, SEARCH, { query: ' ' }, auth);
  expect(mistaken.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

  // The query's words reach no log (the operation name may: it is the client's label).
  expect(output.length).toBeGreaterThan(0);
  expect(output).not.toMatch(/metformin|Springfield, IL|with diabetes/);
}, 120_000);
