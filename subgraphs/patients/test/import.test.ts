import { readFileSync } from 'node:fs';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import type { ImportResult } from '../src/fhir/import.js';
import { IMPORT_LIMITS } from '../src/fhir/patient-in.js';
import { createPatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: Awaited<ReturnType<typeof createPatientsHarness>>;
let clinician: TestCaller;
let admin: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, admin] = await Promise.all([harness.caller('CLINICIAN'), harness.caller('ADMIN')]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const IMPORT = `mutation Import($resources: JSON!) {
  importPatients(resources: $resources) { created updated unchanged failed { index message } }
}`;
const SEARCH = `query Search($search: String!) {
  patients(filter: { search: $search }) { edges { node {
    id mrn version givenName familyName gender birthDate deceasedAt email phone
    address { line city state postalCode country } identifiers { system value } fhir
    history { action version }
  } } }
}`;
const SYNTHEA = 'https://github.com/synthetichealth/synthea';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const importAs = (resources: unknown, by: TestCaller = clinician) => harness.execute(IMPORT, { resources }, by);
const imported = async (resources: unknown) => {
  const result = await importAs(resources);
  expect(result.errors).toBeUndefined();
  return result.data?.importPatients as ImportResult;
};
const search = async (text: string) => {
  const result = await harness.execute(SEARCH, { search: text }, clinician);
  expect(result.errors).toBeUndefined();
  // biome-ignore lint/suspicious/noExplicitAny: the query's shape
  return result.data?.patients.edges.map((edge: any) => edge.node) as Record<string, any>[];
};
const count = (sql: string, params: unknown[] = []) =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>(sql, params);
    return rows[0]!.n;
  });

const patient = (id: string, family: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'urn:test:import', value: id }],
  name: [{ use: 'official', family, given: ['Test'] }],
  gender: 'female',
  birthDate: '1970-01-01',
  ...extra,
});

describe('importPatients', () => {
  test('a Synthea transaction Bundle: the Patient is created with its clinical resources; extensions are ignored', async () => {
    const result = await imported(JSON.parse(fixture('synthea-bundle.json')));
    expect(result).toEqual({ created: 1, updated: 0, unchanged: 0, failed: [] });

    const [found, ...others] = await search('Château');
    expect(others).toEqual([]);
    expect(found).toMatchObject({
      givenName: 'Aurélie Inès',
      familyName: 'Château',
      gender: 'FEMALE',
      birthDate: '1984-03-21',
      deceasedAt: null,
      // Synthea's 555 number has no country code: not an E.164 phone, so left out.
      phone: null,
      address: {
        line: ['418 Beacon Street', 'Unit 2'],
        city: 'Boston',
        state: 'MA',
        postalCode: '02115',
        country: 'US',
      },
      history: [{ action: 'IMPORT', version: 1 }],
    });
    expect(found?.identifiers).toEqual([
      { system: SYNTHEA, value: '5d2f7b1e-8c44-4a3e-9f10-3b6a2c8e7d05' },
      { system: 'http://hospital.smarthealthit.org', value: '5d2f7b1e-8c44-4a3e-9f10-3b6a2c8e7d05' },
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-67-2290' },
    ]);
    // One IMPORT row per resource type written for the patient.
    const audit = await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query<{ resource_type: string }>(
        "SELECT resource_type FROM patients.audit_event WHERE action = 'IMPORT' AND outcome = 'SUCCESS' AND patient_id = $1 ORDER BY 1",
        [found?.id],
      );
      return rows.map((row) => row.resource_type);
    });
    expect(audit).toEqual(['Condition', 'Encounter', 'Observation', 'Patient']);
  });

  test('idempotent by identifier: the same Bundle again changes nothing, a changed one updates the record', async () => {
    const bundle = JSON.parse(fixture('synthea-bundle.json'));
    expect(await imported(bundle)).toEqual({ created: 0, updated: 0, unchanged: 1, failed: [] });

    bundle.entry[0].resource.address[0].city = 'Cambridge';
    expect(await imported(bundle)).toEqual({ created: 0, updated: 1, unchanged: 0, failed: [] });
    const found = await search('Château');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ version: 2, address: { city: 'Cambridge' } });
    expect(found[0]?.history).toEqual([
      { action: 'IMPORT', version: 2 },
      { action: 'IMPORT', version: 1 },
    ]);
  });

  test('a single Patient and an array of them; one identifier twice in a call is one patient', async () => {
    expect(await imported(patient('single-1', 'Solo'))).toMatchObject({ created: 1, failed: [] });
    const twice = [patient('twice-1', 'Twice'), patient('twice-1', 'Twice', { birthDate: '1971-02-03' })];
    expect(await imported(twice)).toEqual({ created: 1, updated: 1, unchanged: 0, failed: [] });
    const [found, ...others] = await search('Twice');
    expect(others).toEqual([]);
    expect(found).toMatchObject({ birthDate: '1971-02-03', version: 2 });
  });

  test('an exported record imports back onto itself (matched by MRN): the modelled fields round-trip', async () => {
    const created = await harness.createTestPatient(
      {
        givenName: 'Renée',
        familyName: 'Roundtrip',
        gender: 'OTHER',
        birthDate: '1940-10-10',
        deceasedAt: '2020-01-02T03:04:05.000Z',
        email: 'renee@example.org',
        phone: '+33612345678',
        address: { line: ['1 rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR' },
        identifiers: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: '2401075123456' }],
      },
      clinician,
    );
    const [before] = await search('Roundtrip');
    expect(await imported(before?.fhir)).toEqual({ created: 0, updated: 0, unchanged: 1, failed: [] });

    const [after] = await search('Roundtrip');
    const { fhir: _before, ...fields } = before ?? {};
    expect(after).toMatchObject({ ...fields, id: created.id, version: 1 });
  });

  test('bad records are reported by index with a reason; the good ones are imported, nothing of the bad ones', async () => {
    const before = await count('SELECT count(*)::int AS n FROM patients.patient');
    const hugeName = 'A'.repeat(10 * 1024 * 1024);
    const result = await imported([
      patient('bad-0', 'Goodie'),
      { resourceType: 'Observation', status: 'final' },
      patient('bad-2', 'Badday', { birthDate: '1990-02-30' }),
      patient('bad-3', 'Badgender', { gender: 'x' }),
      patient('bad-4', hugeName),
      'not a resource',
      patient('bad-6', 'Nogiven', { name: [{ family: 'Nogiven' }] }),
      patient('bad-7', 'Baddeath', { deceasedDateTime: 'yesterday' }),
    ]);
    expect(result.created).toBe(1);
    expect(result.failed.map((failure) => failure.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const reasons = result.failed.map((failure) => failure.message);
    expect(reasons[0]).toMatch(/^Observation.subject.reference is required/);
    expect(reasons[1]).toMatch(/birthDate must be a full calendar date.*1990-02-30/);
    expect(reasons[2]).toMatch(/gender must be one of male, female, other, unknown/);
    expect(reasons[3]).toMatch(/familyName must be at most 100 characters/);
    expect(reasons[4]).toMatch(/got a string/);
    expect(reasons[5]).toMatch(/name.given is required/);
    expect(reasons[6]).toMatch(/deceasedDateTime must be a date/);
    expect(await count('SELECT count(*)::int AS n FROM patients.patient')).toBe(before + 1);
    const badIdentifiers = await count(
      "SELECT count(*)::int AS n FROM patients.patient_identifier WHERE value LIKE 'bad-%' AND value <> 'bad-0'",
    );
    expect(badIdentifiers).toBe(0);
    const failedRows = await count(
      "SELECT count(*)::int AS n FROM patients.audit_event WHERE action = 'IMPORT' AND outcome = 'FAILED'",
    );
    expect(failedRows).toBeGreaterThanOrEqual(7);
  });

  test('two concurrent calls sharing a record: it is created once, the other call updates or keeps it', async () => {
    const shared = patient('race-shared', 'Racer');
    const [first, second] = await Promise.all([
      imported([patient('race-a', 'Racea'), shared, patient('race-b', 'Raceb')]),
      imported([patient('race-c', 'Racec'), { ...shared, birthDate: '1970-01-02' }]),
    ]);
    expect([...(first?.failed ?? []), ...(second?.failed ?? [])]).toEqual([]);
    expect((first?.created ?? 0) + (second?.created ?? 0)).toBe(4);
    const racers = (await search('Racer')).filter((found) => found.familyName === 'Racer');
    expect(racers).toHaveLength(1);
    const identifiers = await count(
      "SELECT count(*)::int AS n FROM patients.patient_identifier WHERE value LIKE 'race-%'",
    );
    expect(identifiers).toBe(4);
  });

  test('identifiers of two different patients in one record: a conflict for that record only', async () => {
    await imported([patient('owner-a', 'Ownera'), patient('owner-b', 'Ownerb')]);
    const result = await imported(
      patient('owner-a', 'Mixed', {
        identifier: [
          { system: 'urn:test:import', value: 'owner-a' },
          { system: 'urn:test:other', value: 'x' },
        ],
      }),
    );
    expect(result).toMatchObject({ created: 0, updated: 1 });
    const conflict = await imported(
      patient('owner-b', 'Mixed', {
        identifier: [
          { system: 'urn:test:import', value: 'owner-b' },
          { system: 'urn:test:other', value: 'x' },
        ],
      }),
    );
    expect(conflict.failed).toEqual([{ index: 0, message: expect.stringMatching(/belong to 2 different patients/) }]);
  });

  test('a record matching an archived patient: ADMIN is told why, anyone else gets the generic conflict', async () => {
    await imported(patient('archived-1', 'Archivedone'));
    const [found] = await search('Archivedone');
    await harness.execute('mutation($id: ID!) { archivePatient(id: $id) { id } }', { id: found!.id }, admin);
    const changed = patient('archived-1', 'Archivedone', { gender: 'male' });
    const clinicianSees = await imported(changed);
    expect(clinicianSees).toMatchObject({ created: 0, updated: 0 });
    expect(clinicianSees.failed).toEqual([{ index: 0, message: 'The patient conflicts with an existing record' }]);
    const adminSees = (await importAs(changed, admin)).data?.importPatients as ImportResult;
    expect(adminSees.failed).toEqual([{ index: 0, message: expect.stringMatching(/matches an archived patient/) }]);
  });

  test('limits and shapes: over the per-call limit, an unknown Bundle type or a non-resource refuse the call', async () => {
    const tooMany = Array.from({ length: IMPORT_LIMITS.patients + 1 }, (_, i) => patient(`many-${i}`, 'Many'));
    const refused = await importAs(tooMany);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/at most 200 patients per call \(got 201\)/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await search('Many')).toEqual([]);

    const documentBundle = await importAs({ resourceType: 'Bundle', type: 'document', entry: [] });
    expect(documentBundle.errors?.[0]?.message).toMatch(/a Bundle of type transaction, batch, collection/);
    const number = await importAs(42);
    expect(number.errors?.[0]?.message).toMatch(/expected a FHIR resource, an array of them or a Bundle, got a number/);
  });

  test('a VIEWER may not import; the refusal is audited', async () => {
    const viewer = await harness.caller('VIEWER');
    const result = await importAs(patient('viewer-1', 'Viewer'), viewer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const denied = await count(
      "SELECT count(*)::int AS n FROM patients.audit_event WHERE action = 'IMPORT' AND outcome = 'DENIED' AND actor_id = $1",
      [viewer.userId],
    );
    expect(denied).toBe(1);
    expect(await importAs(patient('admin-1', 'Adminmade'), admin)).toMatchObject({
      data: { importPatients: { created: 1 } },
    });
  });
});
