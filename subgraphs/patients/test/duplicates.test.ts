/**
 * Duplicate candidates (issue 17) through the GraphQL API: ranking, reasons, what never shows,
 * evidence against, the count createPatient and importPatients answer with, and the audit rows.
 */
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let viewer: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, viewer] = await Promise.all([harness.caller('CLINICIAN'), harness.caller('VIEWER')]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the operation asked for
type Any = any;

const CANDIDATES = `query Candidates($id: ID!, $first: Int) {
  duplicateCandidates(patientId: $id, first: $first) { patient { id givenName familyName } score reasons }
}`;
const CREATE = `mutation Create($input: CreatePatientInput!) { createPatient(input: $input) { id possibleDuplicates } }`;
const SSN = 'urn:oid:2.16.840.1.113883.4.1';

async function create(input: Record<string, unknown>): Promise<{ id: string; possibleDuplicates: number }> {
  const result = await harness.execute(CREATE, { input: { gender: 'MALE', ...input } }, clinician);
  expect(result.errors).toBeUndefined();
  return result.data?.createPatient;
}

async function candidatesOf(id: string, first?: number): Promise<Any[]> {
  const result = await harness.execute(CANDIDATES, { id, first }, viewer);
  expect(result.errors).toBeUndefined();
  return result.data?.duplicateCandidates;
}

describe('duplicateCandidates', () => {
  test('ranks the real duplicate first with its reasons, a namesake born years apart below or not at all', async () => {
    const original = await create({
      givenName: 'Jonathan',
      familyName: 'Hargreaves',
      birthDate: '1980-03-07',
      phone: '+14155550111',
      address: { line: ['12 Elm Street'], city: 'Springfield', postalCode: '01101' },
    });
    expect(original.possibleDuplicates).toBe(0);
    const nickname = await create({ givenName: 'Jon', familyName: 'Hargreaves', birthDate: '1980-03-07' });
    expect(nickname.possibleDuplicates).toBe(1);
    const swapped = await create({ givenName: 'Jonathan', familyName: 'Hargreaves', birthDate: '1980-07-03' });
    const typo = await create({ givenName: 'Jonathan', familyName: 'Hargraves', birthDate: '1980-03-07' });
    // Two mistakes at once (a typo and a swapped date): listed, below the likely ones.
    const both = await create({ givenName: 'Jonathan', familyName: 'Hargraves', birthDate: '1980-07-03' });
    const namesake = await create({ givenName: 'Jonathan', familyName: 'Hargreaves', birthDate: '1951-11-20' });
    const stranger = await create({ givenName: 'Priya', familyName: 'Raman', birthDate: '1980-03-07' });

    const found = await candidatesOf(original.id);
    const ids = found.map((candidate) => candidate.patient.id);
    expect(ids).not.toContain(original.id);
    expect(ids.slice(0, 3).sort()).toEqual([nickname.id, swapped.id, typo.id].sort());
    expect(ids[3]).toBe(both.id);
    const byId = new Map(found.map((candidate) => [candidate.patient.id, candidate]));
    expect(byId.get(nickname.id).reasons).toEqual(
      expect.arrayContaining(['same birth date', 'same family name', 'given name Jon ~ Jonathan (nickname)']),
    );
    expect(byId.get(swapped.id).reasons).toEqual(
      expect.arrayContaining(['birth date with day and month swapped', 'same family name', 'same given name']),
    );
    expect(byId.get(typo.id).reasons).toEqual(
      expect.arrayContaining(['same birth date', 'family name Hargraves ~ Hargreaves (spelling)', 'same given name']),
    );
    for (const id of [nickname.id, swapped.id, typo.id]) expect(byId.get(id).score).toBeGreaterThanOrEqual(0.8);
    expect(byId.get(both.id).score).toBeLessThan(0.8);
    // Same name, born 29 years apart: far below (or not listed).
    expect(byId.get(namesake.id)?.score ?? 0).toBeLessThan(0.2);
    // Only the birth date in common: not a duplicate.
    expect(byId.get(stranger.id)?.score ?? 0).toBeLessThan(0.2);
    for (const candidate of found) {
      expect(candidate.score).toBeGreaterThanOrEqual(0);
      expect(candidate.score).toBeLessThanOrEqual(1);
    }
    const scores = found.map((candidate) => candidate.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(await candidatesOf(original.id, 1)).toHaveLength(1);
  });

  test('an identifier of one system with another value is strong evidence against; the same one, written differently, for', async () => {
    const base = { givenName: 'Marta', familyName: 'Oyelaran', birthDate: '1972-12-01' };
    const original = await create({ ...base, identifiers: [{ system: SSN, value: '123-45-6789' }] });
    const other = await create({ ...base, identifiers: [{ system: SSN, value: '987-65-4321' }] });
    const same = await create({
      givenName: 'M',
      familyName: 'Oyelaran-Smith',
      identifiers: [{ system: SSN, value: '123 45 6789' }],
    });
    const found = await candidatesOf(original.id);
    const byId = new Map(found.map((candidate) => [candidate.patient.id, candidate]));
    // Same name and birth date, another SSN: two people, not listed at all.
    expect(byId.has(other.id)).toBe(false);
    expect((await candidatesOf(other.id)).map((candidate) => candidate.patient.id)).not.toContain(original.id);
    expect(byId.get(same.id).score).toBeGreaterThan(0.95);
    expect(byId.get(same.id).reasons[0]).toBe(`same identifier of ${SSN}`);
    expect(found[0].patient.id).toBe(same.id);
  });

  test('is audited as a search, refuses a bad first, and is NOT_FOUND for a missing record', async () => {
    const a = await create({ givenName: 'Audit', familyName: 'Twinning', birthDate: '1990-01-02' });
    const b = await create({ givenName: 'Audit', familyName: 'Twinning', birthDate: '1990-01-02' });
    expect(b.possibleDuplicates).toBe(1);
    await candidatesOf(a.id);
    const requestId = harness.lastRequestId();
    const rows = await withClient(database.adminUrl, async (client) =>
      (
        await client.query(
          'SELECT action, patient_id, outcome FROM patients.audit_event WHERE request_id = $1 ORDER BY action',
          [requestId],
        )
      ).rows.map((row) => ({ ...row })),
    );
    expect(rows).toEqual([
      { action: 'READ', patient_id: a.id, outcome: 'SUCCESS' },
      { action: 'SEARCH', patient_id: b.id, outcome: 'SUCCESS' },
    ]);
    const bad = await harness.execute(CANDIDATES, { id: a.id, first: 0 }, viewer);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await harness.execute(CANDIDATES, { id: '00000000-0000-4000-8000-000000000000' }, viewer);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await harness.execute(CANDIDATES, { id: a.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('importPatients says how many of the patients it created look like records already there', async () => {
    await create({ givenName: 'Imogen', familyName: 'Castellanos', birthDate: '1965-05-05' });
    const result = await harness.execute(
      `mutation Import($resources: JSON!) { importPatients(resources: $resources) { created possibleDuplicates } }`,
      {
        resources: [
          {
            resourceType: 'Patient',
            name: [{ family: 'Castellanos', given: ['Imogen'] }],
            gender: 'male',
            birthDate: '1965-05-05',
          },
          { resourceType: 'Patient', name: [{ family: 'Quennell', given: ['Oswin'] }], birthDate: '1931-09-30' },
        ],
      },
      clinician,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.importPatients).toEqual({ created: 2, possibleDuplicates: 1 });
  });
});
