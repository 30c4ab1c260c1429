/**
 * End to end: the real processes (both subgraphs, the gateway, nginx when installed) started by
 * the `npm start` launcher on free ports against a fresh test database, driven over real HTTP.
 * REQUIRE_NGINX=1 (CI) makes a missing nginx a failure instead of a gateway-only run.
 */
import { loadStackConfig } from '../src/environment.js';
import { findNginx } from '../src/stack/nginx.js';
import type { RunningStack } from '../src/stack/stack.js';
import { graphql, startTestStack, type TestStack } from '../src/stack/test-stack.js';

const { REQUIRE_NGINX } = loadStackConfig(process.env);

let testStack: TestStack;
let stack: RunningStack;

beforeAll(async () => {
  testStack = await startTestStack({ requireNginx: REQUIRE_NGINX });
  stack = testStack.stack;
}, 120_000);

afterAll(async () => {
  await testStack?.stop();
}, 60_000);

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken user { id email } } }`;
const CREATE_PATIENT = `mutation CreatePatient($input: CreatePatientInput!) {
  createPatient(input: $input) { id mrn fullName createdBy { email } }
}`;
const PATIENTS = '{ patients { edges { node { fullName createdBy { email } } } totalCount } }';

/** signUp → createPatient → patients, through `url`, as a new clinician named after `tag`. */
async function journey(url: string, tag: string) {
  const email = `clinician-${tag}@example.org`;
  const signUp = await graphql(url, SIGN_UP, {
    input: { email, password: 'a long and unguessable secret', name: `Clinician ${tag}` },
  });
  expect(signUp.errors).toBeUndefined();
  const auth = { authorization: `Bearer ${signUp.data?.signUp.accessToken}` };

  const created = await graphql(
    url,
    CREATE_PATIENT,
    { input: { givenName: 'Ada', familyName: `Lovelace-${tag}`, gender: 'FEMALE', birthDate: '1985-12-10' } },
    auth,
  );
  expect(created.errors).toBeUndefined();
  expect(created.data?.createPatient).toMatchObject({ fullName: `Ada Lovelace-${tag}`, createdBy: { email } });

  const listed = await graphql(url, PATIENTS, {}, auth);
  expect(listed.errors).toBeUndefined();
  return { email, patients: listed.data?.patients };
}

test('nginx fronts the stack when it is installed (REQUIRE_NGINX=1: it must be)', () => {
  const installed = findNginx('nginx') !== undefined;
  expect(stack.nginx).toBe(installed);
  if (REQUIRE_NGINX) expect(stack.nginx).toBe(true);
  if (!stack.nginx) expect(stack.urls.edge).toBe(stack.urls.gateway);
});

test('signUp → createPatient → patients with createdBy resolved across subgraphs, through the gateway', async () => {
  const { email, patients } = await journey(stack.urls.gateway, 'gateway');
  expect(patients.edges).toContainEqual({ node: { fullName: 'Ada Lovelace-gateway', createdBy: { email } } });
  expect(patients.totalCount).toBe(patients.edges.length);
});

test('the same journey through the edge (nginx when installed), which keeps or makes request ids', async () => {
  const { email, patients } = await journey(stack.urls.edge, 'edge');
  expect(patients.edges).toContainEqual({ node: { fullName: 'Ada Lovelace-edge', createdBy: { email } } });
  expect(patients.totalCount).toBeGreaterThanOrEqual(1);

  const kept = await graphql(stack.urls.edge, '{ me { id } }', {}, { 'x-request-id': 'e2e-request-1' });
  expect(kept.headers.get('x-request-id')).toBe('e2e-request-1');
  const made = await graphql(stack.urls.edge, '{ me { id } }');
  expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{32,36}$/);
});

test('the edge serves the users subgraph public keys and the health of the stack', async () => {
  const origin = new URL(stack.urls.edge).origin;
  const jwks = (await (await fetch(`${origin}/.well-known/jwks.json`)).json()) as { keys: { kty: string }[] };
  expect(jwks.keys[0]?.kty).toBe('OKP');
  const health = await fetch(`${origin}/health`);
  expect([health.status, await health.json()]).toEqual([200, { status: 'up' }]);
}, 10_000);

test.each([
  ['the gateway', () => stack.urls.gateway],
  ['the edge', () => stack.urls.edge],
])('a bad token gets HTTP 401 UNAUTHENTICATED at %s', async (_where, url) => {
  const result = await graphql(url(), PATIENTS, {}, { authorization: 'Bearer not.a.token' });
  expect(result.status).toBe(401);
  expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('anonymous access to patient data is refused by the patients subgraph itself', async () => {
  const result = await graphql(stack.urls.edge, PATIENTS);
  expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(result.errors?.[0]?.extensions).not.toHaveProperty('serviceName');
  // `patients` is nullable (a partial answer when the service is away): no page, only the error.
  expect(result.data).toEqual({ patients: null });
});

test('duplicates through the edge: createPatient says so, duplicateCandidates finds it, mergePatients links both', async () => {
  const signUp = await graphql(stack.urls.edge, SIGN_UP, {
    input: { email: 'clinician-merge@example.org', password: 'a long and unguessable secret', name: 'Clinician merge' },
  });
  expect(signUp.errors).toBeUndefined();
  const auth = { authorization: `Bearer ${signUp.data?.signUp.accessToken}` };
  const create = (givenName: string) =>
    graphql(
      stack.urls.edge,
      'mutation Create($input: CreatePatientInput!) { createPatient(input: $input) { id possibleDuplicates } }',
      { input: { givenName, familyName: 'Babbage-Edge', gender: 'MALE', birthDate: '1971-12-26' } },
      auth,
    );
  const first = (await create('Charles')).data?.createPatient;
  const second = (await create('Charlie')).data?.createPatient;
  expect([first?.possibleDuplicates, second?.possibleDuplicates]).toEqual([0, 1]);

  const found = await graphql(
    stack.urls.edge,
    'query D($id: ID!) { duplicateCandidates(patientId: $id) { patient { id } score reasons } }',
    { id: second.id },
    auth,
  );
  expect(found.errors).toBeUndefined();
  expect(found.data?.duplicateCandidates[0]).toMatchObject({ patient: { id: first.id } });
  expect(found.data?.duplicateCandidates[0].reasons).toContain('given name Charles ~ Charlie (nickname)');

  const merged = await graphql(
    stack.urls.edge,
    'mutation M($s: ID!, $t: ID!) { mergePatients(sourceId: $s, targetId: $t) { id fhir } }',
    { s: second.id, t: first.id },
    auth,
  );
  expect(merged.errors).toBeUndefined();
  expect(merged.data?.mergePatients.fhir.link).toEqual([
    { other: { reference: `Patient/${second.id}` }, type: 'replaces' },
  ]);
  const source = await graphql(
    stack.urls.edge,
    'query P($id: ID!) { patient(id: $id) { id } }',
    { id: second.id },
    auth,
  );
  expect(source.data?.patient).toBeNull(); // a merged record is an archived one to a CLINICIAN
  const undo = await graphql(
    stack.urls.edge,
    'mutation U($s: ID!) { unmergePatients(sourceId: $s) { id } }',
    { s: second.id },
    auth,
  );
  expect(undo.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
}, 30_000);

// Last in this file: the stack is stopped here (afterAll's stop then does nothing).
test('stopping the stack stops every process it started: nothing answers any of its ports', async () => {
  const { edge, gateway, subgraphs } = stack.urls;
  await stack.stop();
  for (const url of [edge, gateway, subgraphs.users, subgraphs.patients]) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect([url, answered]).toEqual([url, 'ECONNREFUSED']);
  }
}, 60_000);
