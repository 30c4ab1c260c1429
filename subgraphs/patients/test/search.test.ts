import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let admin: TestCaller;

const PEOPLE = [
  { givenName: 'João', familyName: 'Silva', gender: 'MALE', birthDate: '1970-05-01', mrn: 'S-0001' },
  { givenName: 'Anna', familyName: 'Smith', gender: 'FEMALE', birthDate: '1985-03-12' },
  { givenName: 'John', familyName: 'Smith', gender: 'MALE', birthDate: '1992-11-30' },
  { givenName: 'Zoë', familyName: 'Müller', gender: 'FEMALE', birthDate: '2001-07-04' },
  { givenName: 'Li', familyName: 'Wang', gender: 'OTHER' },
  {
    givenName: 'Chidi',
    familyName: 'Okafor',
    gender: 'UNKNOWN',
    birthDate: '1985-03-12',
    identifiers: [{ system: 'urn:example:passport', value: 'XK-778812' }],
  },
  { givenName: 'Marta', familyName: 'Ibáñez', gender: 'FEMALE', birthDate: '1960-01-20' },
];
const ids = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, admin] = await Promise.all([harness.caller('CLINICIAN'), harness.caller('ADMIN')]);
  for (const person of PEOPLE) {
    const { id } = await harness.createTestPatient(person, clinician);
    ids.set(`${person.givenName} ${person.familyName}`, id);
  }
  const archived = await harness.createTestPatient({ givenName: 'Old', familyName: 'Smith' }, clinician);
  await harness.execute('mutation($id: ID!) { archivePatient(id: $id) { id } }', { id: archived.id }, clinician);
  ids.set('Old Smith', archived.id);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const LIST = `query List($filter: PatientFilter, $first: Int, $after: String, $orderBy: PatientOrder) {
  patients(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    edges { cursor node { id fullName } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;

async function names(filter: Record<string, unknown>, caller = clinician) {
  const result = await harness.execute(LIST, { filter, first: 100 }, caller);
  expect(result.errors).toBeUndefined();
  return (result.data!.patients.edges as { node: { fullName: string } }[]).map((edge) => edge.node.fullName).sort();
}

/** Every page of a list, following endCursor. */
async function allPages(orderBy: Record<string, string>, first = 2, filter: Record<string, unknown> = {}) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const result = await harness.execute(LIST, { filter, first, after, orderBy }, clinician);
    expect(result.errors).toBeUndefined();
    const { edges, pageInfo } = result.data!.patients as {
      edges: { node: { fullName: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    seen.push(...edges.map((edge) => edge.node.fullName));
    if (!pageInfo.hasNextPage) return seen;
    after = pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('search', () => {
  test.each([
    ['joao', ['João Silva']],
    ['SILVA', ['João Silva']],
    ['Smiht', ['Anna Smith', 'John Smith']],
    ['anna smith', ['Anna Smith']],
    ['muller', ['Zoë Müller']],
    ['zoe', ['Zoë Müller']],
    ['ibanez', ['Marta Ibáñez']],
    ['s-0001', ['João Silva']],
    ['xk-7788', ['Chidi Okafor']],
    ['Nobody Atall', []],
  ])('"%s" finds %j', async (search, expected) => {
    expect(await names({ search })).toEqual(expected);
  });

  test('LIKE wildcards in the search are literal characters', async () => {
    expect(await names({ search: '%' })).toEqual([]);
    expect(await names({ search: '_' })).toEqual([]);
  });

  test('a search longer than 100 characters is BAD_USER_INPUT', async () => {
    const result = await harness.execute(LIST, { filter: { search: 'a'.repeat(101) } }, clinician);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.search' });
  });
});

describe('filters', () => {
  test('by gender and birth-date range (inclusive)', async () => {
    expect(await names({ gender: 'FEMALE' })).toEqual(['Anna Smith', 'Marta Ibáñez', 'Zoë Müller']);
    expect(await names({ birthDateFrom: '1985-03-12', birthDateTo: '1992-11-30' })).toEqual([
      'Anna Smith',
      'Chidi Okafor',
      'John Smith',
    ]);
    expect(await names({ gender: 'MALE', birthDateTo: '1980-01-01' })).toEqual(['João Silva']);
  });

  test('a reversed birth-date range is BAD_USER_INPUT', async () => {
    const result = await harness.execute(
      LIST,
      { filter: { birthDateFrom: '2000-01-01', birthDateTo: '1990-01-01' } },
      clinician,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('archived patients are hidden unless an ADMIN asks for them; others are FORBIDDEN to', async () => {
    expect(await names({ search: 'smith' })).toEqual(['Anna Smith', 'John Smith']);
    expect(await names({ search: 'smith', includeInactive: true }, admin)).toEqual([
      'Anna Smith',
      'John Smith',
      'Old Smith',
    ]);
    const refused = await harness.execute(LIST, { filter: { includeInactive: true } }, clinician);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('totalCount counts every match, not the page', async () => {
    const result = await harness.execute(LIST, { filter: { gender: 'FEMALE' }, first: 1 }, clinician);
    expect(result.data?.patients.edges).toHaveLength(1);
    expect(result.data?.patients.totalCount).toBe(3);
    expect(result.data?.patients.pageInfo.hasNextPage).toBe(true);
  });
});

describe('keyset pagination', () => {
  const active = PEOPLE.map((p) => `${p.givenName} ${p.familyName}`);

  test('pages of 2 walk every patient once, in created order by default', async () => {
    expect(await allPages({})).toEqual(active);
  });

  // Equal family names fall back to the id, as the keyset does.
  const byFamilyThenId = (a: string, b: string) => {
    const key = (name: string) => `${name.split(' ')[1]}\u0000${ids.get(name)}`;
    return key(a) < key(b) ? -1 : 1;
  };

  test.each([
    [{ field: 'FAMILY_NAME', direction: 'ASC' }, () => [...active].sort(byFamilyThenId)],
    [{ field: 'FAMILY_NAME', direction: 'DESC' }, () => [...active].sort(byFamilyThenId).reverse()],
    [{ field: 'CREATED_AT', direction: 'DESC' }, () => [...active].reverse()],
    [{ field: 'UPDATED_AT', direction: 'ASC' }, () => active],
  ])('orderBy %j', async (orderBy, expected) => {
    expect(await allPages(orderBy)).toEqual(expected());
  });

  // A search picks its page among narrow rows of the matches, then reads them whole: every order
  // must page through the matches exactly as the plain list orders them.
  test.each(
    ['FAMILY_NAME', 'BIRTH_DATE', 'CREATED_AT', 'UPDATED_AT'].flatMap((field) =>
      ['ASC', 'DESC'].map((direction) => ({ field, direction })),
    ),
  )('a search pages in the list order, orderBy %j', async (orderBy) => {
    const matches = ['João Silva', 'Anna Smith', 'John Smith']; // a name part beginning with s
    const searched = await allPages(orderBy, 2, { search: 's' });
    expect(searched).toEqual((await allPages(orderBy)).filter((name) => matches.includes(name)));
  });

  test('BIRTH_DATE sorts unknown dates last in both directions, ties by id', async () => {
    const ascending = await allPages({ field: 'BIRTH_DATE', direction: 'ASC' }, 3);
    expect(ascending[0]).toBe('Marta Ibáñez');
    expect(ascending.at(-1)).toBe('Li Wang');
    const descending = await allPages({ field: 'BIRTH_DATE', direction: 'DESC' }, 3);
    expect(descending[0]).toBe('Zoë Müller');
    expect(descending.at(-1)).toBe('Li Wang');
    expect(new Set(ascending)).toEqual(new Set(active));
    expect(new Set(descending)).toEqual(new Set(active));
  });

  test('stable under concurrent inserts: a patient added before the cursor neither repeats nor hides a row', async () => {
    const orderBy = { field: 'FAMILY_NAME', direction: 'ASC' };
    const first = await harness.execute(LIST, { first: 3, orderBy }, clinician);
    const seen = first.data?.patients.edges.map((e: { node: { fullName: string } }) => e.node.fullName) as string[];
    const inserted = await harness.createTestPatient({ givenName: 'Aaron', familyName: 'Aardvark' }, clinician);
    let after = first.data?.patients.pageInfo.endCursor as string;
    for (;;) {
      const next = await harness.execute(LIST, { first: 3, after, orderBy }, clinician);
      seen.push(...next.data!.patients.edges.map((e: { node: { fullName: string } }) => e.node.fullName));
      if (!next.data?.patients.pageInfo.hasNextPage) break;
      after = next.data?.patients.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(active));
    await harness.execute('mutation($id: ID!) { archivePatient(id: $id) { id } }', { id: inserted.id }, clinician);
  });

  test('first outside 1..100 and foreign or forged cursors are BAD_USER_INPUT', async () => {
    for (const first of [0, -1, 101]) {
      const result = await harness.execute(LIST, { first }, clinician);
      expect(result.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    }
    const page = await harness.execute(LIST, { first: 1, orderBy: { field: 'FAMILY_NAME' } }, clinician);
    const cursor = page.data?.patients.pageInfo.endCursor as string;
    const foreign = await harness.execute(
      LIST,
      { first: 1, after: cursor, orderBy: { field: 'BIRTH_DATE' } },
      clinician,
    );
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const forged = Buffer.from(JSON.stringify(['CREATED_AT', 'ASC', "x'; drop table", 'y'])).toString('base64url');
    for (const after of [forged, 'not-a-cursor']) {
      const result = await harness.execute(LIST, { first: 1, after }, clinician);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  test('a cursor is its order, a sort key that order could have made, and an id; nothing else is accepted', async () => {
    const id = ids.get('Anna Smith')!;
    const cursorOf = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const answer = async (after: string, field: string, direction = 'ASC', search?: string) => {
      const variables = { first: 1, after, orderBy: { field, direction }, filter: search ? { search } : {} };
      const result = await harness.execute(LIST, variables, clinician);
      return result.errors ? (result.errors[0]!.message as string) : 'accepted';
    };
    const NOT_A_CURSOR = 'after is not a cursor of this list and order';
    const timestamp = '2026-01-01T00:00:00.000000Z';
    for (const [after, field, direction] of [
      [cursorOf('CREATED_AT', 'ASC', timestamp), 'CREATED_AT', 'ASC'], // three parts
      [cursorOf('CREATED_AT', 'ASC', timestamp, id, 'more'), 'CREATED_AT', 'ASC'],
      [cursorOf('CREATED_AT', 'ASC', timestamp, id), 'CREATED_AT', 'DESC'],
      [cursorOf('CREATED_AT', 'ASC', timestamp, id), 'UPDATED_AT', 'ASC'],
      [cursorOf('CREATED_AT', 'ASC', timestamp, 'not-an-id'), 'CREATED_AT', 'ASC'],
      [cursorOf('CREATED_AT', 'ASC', '2026-01-01T00:00:00.000Z', id), 'CREATED_AT', 'ASC'], // milliseconds
      [cursorOf('CREATED_AT', 'ASC', '2026-13-01T00:00:00.000000Z', id), 'CREATED_AT', 'ASC'],
      [cursorOf('BIRTH_DATE', 'ASC', '-infinity', id), 'BIRTH_DATE', 'ASC'], // DESC's missing date
      [cursorOf('BIRTH_DATE', 'ASC', '1985-02-30', id), 'BIRTH_DATE', 'ASC'],
      [cursorOf('FAMILY_NAME', 'ASC', 'x'.repeat(101), id), 'FAMILY_NAME', 'ASC'],
      [cursorOf('FAMILY_NAME', 'ASC', 'Smi\u0007th', id), 'FAMILY_NAME', 'ASC'],
      [cursorOf('FAMILY_NAME', 'ASC', 7, id), 'FAMILY_NAME', 'ASC'],
      [Buffer.from('{"field":"FAMILY_NAME"}').toString('base64url'), 'FAMILY_NAME', 'ASC'],
    ] as const)
      expect([JSON.parse(Buffer.from(after, 'base64url').toString()), await answer(after, field, direction)]).toEqual([
        expect.anything(),
        NOT_A_CURSOR,
      ]);
    for (const [after, field, direction] of [
      [cursorOf('CREATED_AT', 'ASC', timestamp, id), 'CREATED_AT', 'ASC'],
      [cursorOf('UPDATED_AT', 'DESC', timestamp, id), 'UPDATED_AT', 'DESC'],
      [cursorOf('BIRTH_DATE', 'ASC', 'infinity', id), 'BIRTH_DATE', 'ASC'],
      [cursorOf('BIRTH_DATE', 'DESC', '-infinity', id), 'BIRTH_DATE', 'DESC'],
      [cursorOf('BIRTH_DATE', 'ASC', '1985-03-12', id), 'BIRTH_DATE', 'ASC'],
      [cursorOf('FAMILY_NAME', 'ASC', 'x'.repeat(100), id), 'FAMILY_NAME', 'ASC'],
    ] as const)
      expect(await answer(after, field, direction)).toBe('accepted');

    // RELEVANCE: a rank (at most 9 digits) tied to its search by the search's fingerprint.
    const page = await harness.execute(LIST, { first: 1, filter: { search: 'smith' } }, clinician);
    const [, , key] = JSON.parse(
      Buffer.from(page.data?.patients.pageInfo.endCursor, 'base64url').toString(),
    ) as string[];
    const fingerprint = key!.slice(key!.indexOf('.') + 1);
    const relevance = (rank: unknown) => cursorOf('RELEVANCE', 'ASC', rank, id);
    expect(await answer(relevance(`999999999.${fingerprint}`), 'RELEVANCE', 'ASC', 'smith')).toBe('accepted');
    expect(await answer(relevance(`1234567890.${fingerprint}`), 'RELEVANCE', 'ASC', 'smith')).toBe(
      'after is a cursor of another search',
    );
    expect(await answer(relevance(`-1.${fingerprint}`), 'RELEVANCE', 'ASC', 'smith')).toBe(
      'after is a cursor of another search',
    );
    expect(await answer(relevance(`1.${fingerprint}`), 'RELEVANCE', 'ASC', 'silva')).toBe(
      'after is a cursor of another search',
    );
    expect(await answer(relevance(1), 'RELEVANCE', 'ASC', 'smith')).toBe(NOT_A_CURSOR);
    const other = await harness.execute(
      LIST,
      { first: 1, after: relevance(`1.${fingerprint}`), orderBy: { field: 'RELEVANCE' }, filter: { search: 'silva' } },
      clinician,
    );
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
