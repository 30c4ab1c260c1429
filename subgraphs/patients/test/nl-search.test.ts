/**
 * patientSearch in the subgraph: search quality on a fixed slice of the labelled evaluation set
 * (scripts/nl-search-evaluation/; the whole set's figures are `npm run bench:nl`'s), and the
 * resolver's contract: the interpretation, paging, access, audit, a client's mistakes.
 */
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import {
  insertNlEvaluationPeople,
  loadNlEvaluationSet,
  nlScoresOf,
  runNlQueries,
} from '../scripts/nl-search-evaluation/evaluate.js';
import { ageOn, type EvaluationSet } from '../scripts/nl-search-evaluation/generate.js';
import { syntheaPeople } from '../scripts/synthea-fixtures.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let set: EvaluationSet;
let viewer: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  set = loadNlEvaluationSet();
  await insertNlEvaluationPeople(harness.orm.em.fork(), set);
  viewer = await harness.caller('VIEWER');
}, 60_000);
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const SEARCH = `query Search($query: String!, $first: Int, $after: String) {
  patientSearch(query: $query, first: $first, after: $after) {
    interpretation { name gender ageFrom ageTo bornFrom bornTo city state postalCode deceased
      conditions { system code display } medications { code } allergies { code } unparsed }
    patients { totalCount pageInfo { hasNextPage endCursor } edges { node { id fullName } } }
  }
}`;

const auditRowsOf = (requestId: string) =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query(
      'SELECT actor_role, action, resource_type, patient_id, outcome, operation_name FROM patients.audit_event WHERE request_id = $1',
      [requestId],
    );
    return rows;
  });

test('on every third query of the set, the semantic fallback on (the default): mean F1 ≥ 0.9', async () => {
  expect(set.people.length).toBeGreaterThanOrEqual(500);
  expect(set.queries.length).toBeGreaterThanOrEqual(60);
  const slice = set.queries.filter((_, index) => index % 3 === 0);
  expect(harness.services.searchSemantic).not.toBeNull();
  const outcomes = await runNlQueries(harness.orm.em.fork(), set, slice, harness.services.searchSemantic!);
  const scores = nlScoresOf(outcomes);
  const misses = outcomes.filter((o) => o.f1 < 1).map((o) => `${o.query.query}: F1 ${o.f1.toFixed(2)}`);
  expect({ meanF1AtLeast09: scores.meanF1 >= 0.9, misses }).toEqual({ meanF1AtLeast09: true, misses });
  expect(new Set(slice.map((query) => query.kind)).size).toBeGreaterThanOrEqual(10);
  expect(slice.filter((query) => query.kind === 'lay words').length).toBeGreaterThanOrEqual(3);
}, 60_000);

test('NL_SEARCH_SEMANTIC: on (the default) reads a lay phrase, loading the model on the first query that needs it; off never loads it', async () => {
  const query = 'women with sugar problems';
  const meant = set.people
    .filter((p) => p.gender === 'FEMALE' && p.conditions.some((c) => c.active && c.code === '44054006'))
    .map((p) => p.id)
    .sort();
  const on = await createPatientsHarness(database);
  const off = await createPatientsHarness(database, { NL_SEARCH_SEMANTIC: 'off' });
  try {
    expect(off.services.searchSemantic).toBeNull();
    const semantic = on.services.searchSemantic!;
    const [onViewer, offViewer] = [await on.caller('VIEWER'), await off.caller('VIEWER')];
    const understood = await on.execute(SEARCH, { query: 'women over 60 in Boston', first: 1 }, onViewer);
    expect(understood.errors).toBeUndefined();
    expect(semantic.modelRequested).toBe(false);

    // The first lay phrase loads the model; it would wait at most SEMANTIC_READY_WAIT_MS for it.
    await semantic.ready((await on.services.searchVocabulary.get(on.orm.em.fork())).clinical);
    const withIt = await on.execute(SEARCH, { query, first: 100 }, onViewer);
    expect(withIt.errors).toBeUndefined();
    expect(semantic.modelRequested).toBe(true);
    const read = withIt.data?.patientSearch;
    expect({
      conditions: read.interpretation.conditions.map((c: { code: string }) => c.code),
      unparsed: read.interpretation.unparsed,
    }).toEqual({ conditions: ['44054006'], unparsed: [] });
    expect(read.patients.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual(meant);

    const without = await off.execute(SEARCH, { query, first: 1 }, offViewer);
    expect(without.errors).toBeUndefined();
    expect(without.data?.patientSearch.interpretation).toMatchObject({ conditions: [], unparsed: ['sugar problems'] });
  } finally {
    await on.stop();
    await off.stop();
  }
}, 60_000);

test('the issue example: its interpretation, and the patients it means (ages counted today), for a VIEWER', async () => {
  const query = 'women over 60 in Springfield with high blood pressure';
  const result = await harness.execute(SEARCH, { query, first: 100 }, viewer);
  expect(result.errors).toBeUndefined();
  const { interpretation, patients } = result.data?.patientSearch ?? {};
  expect(interpretation).toEqual({
    name: null,
    gender: 'FEMALE',
    ageFrom: 61,
    ageTo: null,
    bornFrom: null,
    bornTo: null,
    city: 'Springfield',
    state: null,
    postalCode: null,
    deceased: null,
    conditions: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension (disorder)' }],
    medications: [],
    allergies: [],
    unparsed: [],
  });
  const today = new Date().toISOString().slice(0, 10);
  const meant = set.people.filter(
    (p) =>
      p.gender === 'FEMALE' &&
      ageOn(p.birthDate, today) > 60 &&
      p.address.city === 'Springfield' &&
      p.conditions.some((c) => c.active && c.code === '59621000'),
  );
  expect(meant.length).toBeGreaterThan(0);
  expect(patients.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual(
    meant.map((p) => p.id).sort(),
  );
  expect(patients.totalCount).toBe(meant.length);
  // One SEARCH row per patient returned, and nothing of the query.
  const rows = await auditRowsOf(harness.lastRequestId());
  expect(rows).toHaveLength(meant.length);
  expect(new Set(rows.map((row) => row.patient_id))).toEqual(new Set(meant.map((p) => p.id)));
  expect(rows.every((row) => row.action === 'SEARCH' && row.outcome === 'SUCCESS' && row.actor_role === 'VIEWER')).toBe(
    true,
  );
  expect(JSON.stringify(rows)).not.toMatch(/Springfield|blood/i);
});

test('pages by cursor, every patient once; an empty page is one SEARCH row without a patient', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  let total = 0;
  do {
    const result = await harness.execute(SEARCH, { query: 'in Boston', first: 20, after }, viewer);
    expect(result.errors).toBeUndefined();
    const page = result.data?.patientSearch.patients;
    total = page.totalCount;
    seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  const boston = set.people.filter((p) => p.address.city === 'Boston').map((p) => p.id);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.sort()).toEqual(boston.sort());
  expect(total).toBe(boston.length);

  const none = await harness.execute(SEARCH, { query: 'xyzzy' }, viewer);
  expect(none.data?.patientSearch).toMatchObject({
    interpretation: { unparsed: ['xyzzy'] },
    patients: { totalCount: 0, edges: [] },
  });
  expect(await auditRowsOf(harness.lastRequestId())).toEqual([
    expect.objectContaining({ action: 'SEARCH', outcome: 'SUCCESS', patient_id: null }),
  ]);
});

test('anonymous is UNAUTHENTICATED and on record as DENIED', async () => {
  const result = await harness.execute(SEARCH, { query: 'women' });
  expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(await auditRowsOf(harness.lastRequestId())).toEqual([
    expect.objectContaining({ action: 'SEARCH', outcome: 'DENIED', patient_id: null }),
  ]);
});

test.each([
  ['an empty query', { query: '   ' }, 'query must not be empty'],
  ['a query of 201 characters', { query: 'a'.repeat(201) }, 'query must be at most 200 characters'],
  ['a control character', { query: 'women\u0000' }, 'query must not contain control characters'],
  ['first 0', { query: 'women', first: 0 }, 'first must be between 1 and 100'],
  ['a cursor that is none', { query: 'women', after: 'nope' }, 'after is not a cursor of this list and order'],
])('%s is BAD_USER_INPUT (and a FAILED row)', async (_name, variables, message) => {
  const result = await harness.execute(SEARCH, variables, viewer);
  expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
  expect(await auditRowsOf(harness.lastRequestId())).toEqual([
    expect.objectContaining({ action: 'SEARCH', outcome: 'FAILED' }),
  ]);
});

test('an import is searchable at once: its new codes and places are read on the next query', async () => {
  const clinician = await harness.caller('CLINICIAN');
  const before = await harness.execute(SEARCH, { query: 'with hypertension' }, clinician);
  expect(before.errors).toBeUndefined();
  const [person] = [...syntheaPeople(1601, 1, { encounters: [4, 4] })];
  const bundle = person!.bundle as { entry: { resource: Record<string, unknown> }[] };
  const patient = bundle.entry[0]!.resource as { address: { city: string }[] };
  patient.address[0]!.city = 'Nantucket';
  const imported = await harness.execute(
    'mutation Import($resources: JSON!) { importPatients(resources: $resources) { created } }',
    { resources: bundle },
    clinician,
  );
  expect(imported.data?.importPatients.created).toBe(1);
  const after = await harness.execute(SEARCH, { query: 'patients in Nantucket' }, clinician);
  expect(after.data?.patientSearch).toMatchObject({
    interpretation: { city: 'Nantucket', unparsed: [] },
    patients: { totalCount: 1 },
  });
});
