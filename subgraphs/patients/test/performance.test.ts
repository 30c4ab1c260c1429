/**
 * Performance properties that must not regress (issues 8 and 14): search uses the index of name
 * terms, never a sequential scan of patients, a page costs the same number of SQL statements
 * whatever its size, and totalCount stays bounded.
 */
import { randomUUID } from 'node:crypto';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { EXACT_COUNT_LIMIT, pageQuery, searchPlanOf } from '../src/patients/list.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

const PATIENTS = 100_000;
const GIVEN = ['Ada', 'Élise', 'João', 'Karim', 'Maria', 'Søren', 'Wei', 'Zoë', 'Hannah', 'Tomás', 'Olga'];
const FAMILY = ['Müller', 'Williams', 'Fernández', 'Hernández', 'Smith', 'Nguyen', 'Dubois', 'Kowalski', 'Svensson'];
// Rare names, so that every search below matches a few hundred rows out of PATIENTS.
const RARE = 500;

let database: TestDatabase;
let harness: PatientsHarness;
let viewer: TestCaller;
const authors = Array.from({ length: 7 }, () => randomUUID());

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  viewer = await harness.caller('VIEWER');
  // Bulk rows straight into the table, as the benchmark seeds, at the benchmark's scale (a smaller
  // table can rightly be scanned). Most patients are "<given> CommonNN"; RARE of each family name.
  await withClient(database.adminUrl, async (client) => {
    await client.query(
      `INSERT INTO patients.patient (id, mrn, given_name, family_name, gender, identifiers, created_at, updated_at, created_by_id)
       SELECT gen_random_uuid(), 'PERF-' || i, ($2::text[])[1 + i % cardinality($2::text[])],
         CASE WHEN i % ($1::int / $5::int) < cardinality($3::text[]) THEN ($3::text[])[1 + i % ($1::int / $5::int)] ELSE 'Common' || (i % 97) END,
         'UNKNOWN', '[]', now() - make_interval(secs => $1::int - i), now(), ($4::uuid[])[1 + i % cardinality($4::uuid[])]
       FROM generate_series(1, $1::int) AS i`,
      [PATIENTS, GIVEN, FAMILY, authors, RARE],
    );
    await client.query(
      `INSERT INTO patients.patient_identifier (system, value, patient_id)
       SELECT 'urn:healthsync:test:national-id', 'NID' || substr(mrn, 6), id FROM patients.patient`,
    );
    await client.query('ANALYZE patients.patient, patients.patient_identifier, patients.search_term');
  });
  // 100,000 rows with their search terms and indexes: seconds alone, more on a busy machine.
}, 300_000);

afterAll(async () => {
  await harness.stop();
  await database.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** The plan PostgreSQL picks for `sql` on the service's own pool. */
async function explain(sql: string, params: unknown[]): Promise<PlanNode[]> {
  const [row] = await harness.orm.em
    .fork()
    .execute<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return planNodes(row!['QUERY PLAN'][0].Plan);
}

const SEARCH = `query Search($search: String!, $first: Int) {
  patients(filter: { search: $search }, first: $first) { edges { node { givenName familyName } } totalCount }
}`;

const searches = [
  ['the beginning of a name', 'hern', ['Hernández']],
  ['an accent-free name', 'muller', ['Müller']],
  ['a misspelt name', 'Wiliams', ['Williams']],
  ['two words, one misspelt', 'maria wiliams', ['Williams']],
] as const;

describe('search at scale', () => {
  test.each(searches)('%s ("%s") finds exactly the matching patients', async (_kind, search, families) => {
    const result = await harness.execute(SEARCH, { search, first: 100 }, viewer);
    expect(result.errors).toBeUndefined();
    const found = result.data?.patients.edges.map((edge: { node: { familyName: string } }) => edge.node.familyName);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found)).toEqual(new Set(families));
    const matches = search.includes(' ') ? RARE / GIVEN.length : RARE * families.length;
    expect(result.data?.patients.totalCount).toBeGreaterThanOrEqual(Math.floor(matches));
  });

  test.each(
    searches.flatMap(([kind, search]) => [
      [kind, search, 'RELEVANCE' as const],
      [kind, search, 'CREATED_AT' as const],
    ]),
  )(
    'searching %s ("%s") by %s uses the index of name terms, never a sequential scan of patients',
    async (_kind, search, field) => {
      const args = { filter: { search }, first: 20, orderBy: { field, direction: 'ASC' } } as const;
      const plan = await searchPlanOf(harness.orm.em.fork(), args.filter, { dateOrder: 'ISO' });
      const { sql, params } = pageQuery(args, plan);
      const nodes = await explain(sql, params);
      expect(nodes.map((node) => node['Index Name'])).toContain('patient_search_terms');
      const scanned = nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);
      expect(scanned).not.toContain('patient');
      expect(scanned).not.toContain('patient_identifier');
    },
  );
});

describe('totalCount', () => {
  const COUNT = 'query Count($search: String) { patients(filter: { search: $search }, first: 1) { totalCount } }';

  test(`is exact up to ${EXACT_COUNT_LIMIT} matches`, async () => {
    const result = await harness.execute(COUNT, { search: 'Kowalski' }, viewer);
    expect(result.data?.patients.totalCount).toBe(RARE);
  });

  test(`beyond ${EXACT_COUNT_LIMIT} matches it is an estimate, above the limit and near the truth`, async () => {
    const result = await harness.execute(COUNT, {}, viewer);
    const total = result.data?.patients.totalCount as number;
    expect(total).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(Math.abs(total - PATIENTS) / PATIENTS).toBeLessThan(0.1);
  });
});

describe('totalCount of a search', () => {
  test(`of a search matching more than ${EXACT_COUNT_LIMIT}: exact on its first page (which ranks every match), an estimate after`, async () => {
    const PAGE = `query Search($after: String) {
      patients(filter: { search: "ada" }, first: 20, after: $after) { pageInfo { endCursor } totalCount }
    }`;
    const exact = PATIENTS / GIVEN.length;
    const first = await harness.execute(PAGE, {}, viewer);
    expect(Math.abs(first.data?.patients.totalCount - exact)).toBeLessThanOrEqual(1);
    const next = await harness.execute(PAGE, { after: first.data?.patients.pageInfo.endCursor }, viewer);
    expect(next.data?.patients.totalCount).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(Math.abs(next.data?.patients.totalCount - exact) / exact).toBeLessThan(0.5);
  });

  const PAGE = `query Search($search: String!, $after: String) {
    patients(filter: { search: $search }, first: 20, after: $after) { pageInfo { endCursor } totalCount }
  }`;

  test('the first page counts its matches in its own statement: no second search', async () => {
    harness.statements.length = 0;
    const first = await harness.execute(PAGE, { search: 'hern' }, viewer);
    expect(first.data?.patients.totalCount).toBe(RARE);
    expect(harness.statements.filter((sql) => /FROM patients\.patient p/.test(sql))).toHaveLength(1);

    // After a cursor the page holds only the rest: the count is its own statement again.
    harness.statements.length = 0;
    const next = await harness.execute(
      PAGE,
      { search: 'hern', after: first.data?.patients.pageInfo.endCursor },
      viewer,
    );
    expect(next.data?.patients.totalCount).toBe(RARE);
    expect(harness.statements.filter((sql) => /FROM patients\.patient p/.test(sql))).toHaveLength(2);
  });
});

describe('statements per request', () => {
  // Query (a) of the benchmark. createdBy is a reference the users subgraph resolves in one
  // _entities SELECT for the whole page (subgraphs/users/test/users.test.ts, 1/20/100 references).
  const PAGE = `query Page($first: Int) {
    patients(first: $first) { edges { node { id fullName createdBy { id } } } pageInfo { hasNextPage } totalCount }
  }`;

  test('a page of 1, 20 or 100 patients with createdBy and totalCount costs the same few statements', async () => {
    // The first large list of a while also asks the planner for its estimate (one EXPLAIN, then
    // remembered for seconds).
    harness.statements.length = 0;
    await harness.execute(PAGE, { first: 1 }, viewer);
    expect(harness.statements.filter((sql) => sql.startsWith('EXPLAIN')).length).toBeLessThanOrEqual(1);
    expect(harness.statements.length).toBeLessThanOrEqual(3);
    const counts: number[] = [];
    for (const first of [1, 20, 100]) {
      harness.statements.length = 0;
      const result = await harness.execute(PAGE, { first }, viewer);
      expect(result.errors).toBeUndefined();
      expect(result.data?.patients.edges).toHaveLength(first);
      expect(
        new Set(
          result.data?.patients.edges.map((edge: { node: { createdBy: { id: string } } }) => edge.node.createdBy.id),
        ).size,
      ).toBe(Math.min(first, authors.length));
      counts.push(harness.statements.length);
    }
    // The page with its bounded count, the audit rows: no transaction, nothing per row.
    expect(counts).toEqual([2, 2, 2]);
  });
});
