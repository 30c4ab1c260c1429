/**
 * Search that puts the right patient first (issue 14): words in any order, each matching a part
 * of the patient; the exact full name, then exact parts, then beginnings, then typos; keyset
 * pagination in that order.
 */
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { listPatients } from '../src/patients/list.js';
import { parseSearch, typoDistance } from '../src/patients/search.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;

const PEOPLE = [
  { givenName: 'Ana', familyName: 'Souza', birthDate: '1980-04-01' },
  { givenName: 'Anabela', familyName: 'Souza', birthDate: '1981-05-02' },
  { givenName: 'Ana Maria', familyName: 'Souza', birthDate: '1982-06-03' },
  { givenName: 'Katrin', familyName: 'Meier', birthDate: '1975-01-10' },
  { givenName: 'Katrin', familyName: 'Meyer', birthDate: '1976-02-11' },
  { givenName: 'Luis', familyName: 'Ortega-Ruiz', birthDate: '1990-03-12' },
  { givenName: 'Luis', familyName: 'Ortega-Diaz', birthDate: '1991-04-13' },
  { givenName: 'Siobhan', familyName: "O'Donnell", birthDate: '1970-05-14' },
  { givenName: 'Jan', familyName: 'van Dijk', birthDate: '1965-06-15' },
  { givenName: 'Jan', familyName: 'Vandijk', birthDate: '1966-07-16' },
  { givenName: 'Hans', familyName: 'Bäumer', birthDate: '1955-08-17' },
  { givenName: 'Hans', familyName: 'Baeumer', birthDate: '1956-09-18' },
  { givenName: 'Bjørn', familyName: 'Søndergaard', birthDate: '1960-10-19' },
  { givenName: 'Francisco', familyName: 'Andersen', birthDate: '1985-11-20' },
  { givenName: 'Francisca', familyName: 'Anderson', birthDate: '1986-12-21' },
  { givenName: 'Maria', familyName: 'Silva', birthDate: '1954-03-02' },
  { givenName: 'Maria', familyName: 'Silva', birthDate: '1961-07-25' },
  { givenName: 'Mario', familyName: 'Silva', birthDate: '1954-03-02' },
  { givenName: 'Wolfgang', familyName: 'Hoffmannsthal', birthDate: '1950-01-01' },
  { givenName: 'Wolfgang', familyName: 'Hoffmannsberger', birthDate: '1951-01-01' },
];
const idOf = new Map<string, string>();
const nameOf = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  clinician = await harness.caller('CLINICIAN');
  for (const person of PEOPLE) {
    const { id } = await harness.createTestPatient(person, clinician);
    const label = `${person.givenName} ${person.familyName} ${person.birthDate}`;
    idOf.set(label, id);
    nameOf.set(id, label);
  }
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const SEARCH = `query Search($search: String!, $first: Int, $after: String, $orderBy: PatientOrder) {
  patients(filter: { search: $search }, first: $first, after: $after, orderBy: $orderBy) {
    edges { node { id } } pageInfo { hasNextPage endCursor } totalCount
  }
}`;

/** The people a search returns, best first, as "given family birthDate". */
async function ranked(search: string, first = 20): Promise<string[]> {
  const result = await harness.execute(SEARCH, { search, first }, clinician);
  expect(result.errors).toBeUndefined();
  return result.data?.patients.edges.map((edge: { node: { id: string } }) => nameOf.get(edge.node.id));
}

describe('relevance', () => {
  test.each([
    ['Anabela Souza', ['Anabela Souza 1981-05-02']],
    ['Ana Souza', ['Ana Souza 1980-04-01', 'Ana Maria Souza 1982-06-03', 'Anabela Souza 1981-05-02']],
    ['Katrin Meier', ['Katrin Meier 1975-01-10', 'Katrin Meyer 1976-02-11']],
    ['meier katrin', ['Katrin Meier 1975-01-10', 'Katrin Meyer 1976-02-11']],
    ['Ortega-Ruiz', ['Luis Ortega-Ruiz 1990-03-12']],
    ['ortega ruiz luis', ['Luis Ortega-Ruiz 1990-03-12']],
    ['odonnell', ["Siobhan O'Donnell 1970-05-14"]],
    ['o donnell', ["Siobhan O'Donnell 1970-05-14"]],
    ['van dijk', ['Jan van Dijk 1965-06-15', 'Jan Vandijk 1966-07-16']],
    ['vandijk', ['Jan Vandijk 1966-07-16', 'Jan van Dijk 1965-06-15']],
    ['Baeumer', ['Hans Baeumer 1956-09-18', 'Hans Bäumer 1955-08-17']],
    ['bäumer', ['Hans Bäumer 1955-08-17', 'Hans Baeumer 1956-09-18']],
    ['Bjorn Sondergaard', ['Bjørn Søndergaard 1960-10-19']],
    // Francisca Anderson is two typos away: found, after.
    ['Fransisco Andersen', ['Francisco Andersen 1985-11-20', 'Francisca Anderson 1986-12-21']],
    ['Francisco Andersn', ['Francisco Andersen 1985-11-20', 'Francisca Anderson 1986-12-21']],
    ['Hoffmannsthal', ['Wolfgang Hoffmannsthal 1950-01-01']],
  ])('"%s" ranks %j', async (search, expected) => {
    expect(await ranked(search)).toEqual(expected);
  });

  test('the exact full name first, then exact parts, then beginnings, then typos', async () => {
    const found = await ranked('maria silva');
    expect(found.slice(0, 2).sort()).toEqual(['Maria Silva 1954-03-02', 'Maria Silva 1961-07-25']);
    // "mario" is one typo from "maria": found, after every exact match.
    expect(found.slice(2)).toEqual(['Mario Silva 1954-03-02']);
    expect((await ranked('silva')).length).toBe(3);
  });

  test('the birth date in the same box narrows to that date, in ISO or in an unambiguous order', async () => {
    expect(await ranked('maria silva 1954-03-02')).toEqual(['Maria Silva 1954-03-02', 'Mario Silva 1954-03-02']);
    expect(await ranked('silva 25/07/1961')).toEqual(['Maria Silva 1961-07-25']);
    expect((await ranked('1954-03-02 silva')).sort()).toEqual(['Maria Silva 1954-03-02', 'Mario Silva 1954-03-02']);
    const ambiguous = await harness.execute(SEARCH, { search: 'silva 02/03/1954' }, clinician);
    expect(ambiguous.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/could be 1954-03-02 or 1954-02-03; write the date as YYYY-MM-DD/),
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.search' },
    });
    const impossible = await harness.execute(SEARCH, { search: 'silva 1954-02-30' }, clinician);
    expect(impossible.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('SEARCH_DATE_ORDER decides a slashed date: day first (DMY) or month first (MDY)', async () => {
    const em = harness.orm.em.fork();
    const names = async (dateOrder: 'DMY' | 'MDY') =>
      (
        await listPatients(
          em,
          { filter: { search: 'silva 02/03/1954' }, first: 10, orderBy: { direction: 'ASC' } },
          {
            dateOrder,
          },
        )
      ).edges.map((edge) => `${edge.node.givenName} ${edge.node.birthDate}`);
    expect((await names('DMY')).sort()).toEqual(['Maria 1954-03-02', 'Mario 1954-03-02']);
    expect(await names('MDY')).toEqual([]);
    expect(parseSearch('a 12/31/1990', 'MDY').birthDates).toEqual(['1990-12-31']);
  });

  test('an MRN or identifier word narrows too, in any position', async () => {
    const { mrn } = await harness.createTestPatient(
      { givenName: 'Ana', familyName: 'Souza', identifiers: [{ system: 'urn:example:nid', value: 'PT-4471' }] },
      clinician,
    );
    const byMrn = await harness.execute(SEARCH, { search: `${mrn.toLowerCase()} souza` }, clinician);
    expect(byMrn.data?.patients.edges).toHaveLength(1);
    const byIdentifier = await harness.execute(SEARCH, { search: 'ana pt-44' }, clinician);
    expect(byIdentifier.data?.patients.edges).toHaveLength(1);
    expect(byIdentifier.data?.patients.edges[0].node.id).toBe(byMrn.data?.patients.edges[0].node.id);
    await harness.execute(
      'mutation($id: ID!) { archivePatient(id: $id) { id } }',
      {
        id: byMrn.data?.patients.edges[0].node.id,
      },
      clinician,
    );
  });

  test('a renamed patient is found by the new name at once (the terms dictionary follows)', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Oldname', familyName: 'Person' }, clinician);
    expect(await ranked('Quetzalcoatl')).toEqual([]);
    await harness.execute(
      'mutation($id: ID!) { updatePatient(id: $id, expectedVersion: 1, input: { familyName: "Quetzalcoatl" }) { id } }',
      { id },
      clinician,
    );
    const result = await harness.execute(SEARCH, { search: 'quetz' }, clinician);
    expect(result.data?.patients.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([id]);
    const terms = await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query("SELECT term FROM patients.search_term WHERE term LIKE 'quetz%'");
      return rows.map((row) => row.term);
    });
    expect(terms).toEqual(['quetzalcoatl']);
  });

  test('two long surnames that share a prefix are not one', async () => {
    expect(await ranked('Hoffmannsberger')).toEqual(['Wolfgang Hoffmannsberger 1951-01-01']);
    expect(await ranked('Hofmannsthal')).toEqual(['Wolfgang Hoffmannsthal 1950-01-01']);
  });
});

describe('relevance pagination', () => {
  test('pages of 2 walk the relevance order of one big page, each patient once', async () => {
    const whole = await ranked('s', 100);
    expect(whole.length).toBeGreaterThan(6);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const result = await harness.execute(SEARCH, { search: 's', first: 2, after }, clinician);
      expect(result.errors).toBeUndefined();
      paged.push(...result.data!.patients.edges.map((edge: { node: { id: string } }) => nameOf.get(edge.node.id)));
      expect(result.data?.patients.totalCount).toBe(whole.length);
      after = result.data?.patients.pageInfo.hasNextPage ? result.data.patients.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(whole);
  });

  test('a cursor of another search, or RELEVANCE without a search, is BAD_USER_INPUT', async () => {
    const first = await harness.execute(SEARCH, { search: 'souza', first: 1 }, clinician);
    const after = first.data?.patients.pageInfo.endCursor;
    const other = await harness.execute(SEARCH, { search: 'silva', first: 1, after }, clinician);
    expect(other.errors?.[0]).toMatchObject({
      message: 'after is a cursor of another search',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
    const list = await harness.execute(
      'query { patients(orderBy: { field: RELEVANCE }) { totalCount } }',
      {},
      clinician,
    );
    expect(list.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderBy.field' });
  });

  test('another order still applies to a search when asked for', async () => {
    const result = await harness.execute(
      SEARCH,
      { search: 'souza', first: 10, orderBy: { field: 'BIRTH_DATE', direction: 'DESC' } },
      clinician,
    );
    const births = result.data?.patients.edges.map((edge: { node: { id: string } }) =>
      nameOf.get(edge.node.id)?.slice(-10),
    );
    expect(births).toEqual([...births].sort().reverse());
    expect(births).toHaveLength(3);
  });
});

test('typoDistance counts a swap of two letters as one typo, and stops past its limit', () => {
  expect(typoDistance('smiht', 'smith', 2)).toBe(1);
  expect(typoDistance('fransisco', 'francisco', 2)).toBe(1);
  expect(typoDistance('andersn', 'andersen', 2)).toBe(1);
  expect(typoDistance('meier', 'meyer', 2)).toBe(1);
  expect(typoDistance('hoffmannsthal', 'hoffmannsberger', 2)).toBe(3);
  expect(typoDistance('abc', 'abcdef', 1)).toBe(2);
});

test('parseSearch: names split on hyphens, apostrophes dropped, digits make an identifier word', () => {
  expect(parseSearch("O'Donnell Ortega-Ruiz MRN-7K2Q 1954-03-02")).toEqual({
    names: ['ODonnell', 'Ortega', 'Ruiz'],
    identifiers: ['MRN-7K2Q'],
    birthDates: ['1954-03-02'],
  });
  expect(() => parseSearch('a b c d e f g')).toThrow(/at most 6 words/);
});
