import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, createTestTokenIssuer, type TestDatabase, testTokenIssuer } from '@healthsync/orm/testing';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let viewer: TestCaller;
let admin: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, viewer, admin] = await Promise.all([
    harness.caller('CLINICIAN'),
    harness.caller('VIEWER'),
    harness.caller('ADMIN'),
  ]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const PATIENT = `query Patient($id: ID!) {
  patient(id: $id) { id mrn version fullName gender birthDate deceasedAt email phone address { line city state postalCode country }
    identifiers { system value } active createdBy { id } updatedBy { id } }
}`;
const CREATE = `mutation CreatePatient($input: CreatePatientInput!) { createPatient(input: $input) { id mrn version } }`;
const ARCHIVE = 'mutation Archive($id: ID!) { archivePatient(id: $id) { id active version } }';
const RESTORE = 'mutation Restore($id: ID!) { restorePatient(id: $id) { id active version } }';
const BY_MRN = 'query ByMrn($mrn: String!) { patientByMrn(mrn: $mrn) { id mrn } }';

const patientCount = () =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patients.patient');
    return rows[0]!.n;
  });

describe('createPatient and patient', () => {
  test('a clinician creates a patient; the MRN is generated and the author recorded', async () => {
    const created = await harness.createTestPatient(
      {
        givenName: ' João ',
        familyName: 'Silva',
        gender: 'MALE',
        birthDate: '1980-02-29',
        email: 'joao@example.org',
        phone: '+351912345678',
        address: { line: ['Rua Augusta 1'], city: 'Lisboa', country: 'PT' },
        identifiers: [{ system: 'urn:oid:2.16.620.1.101.10.1', value: '123456789' }],
      },
      clinician,
    );
    expect(created.mrn).toMatch(/^MRN-[0-9A-Z]{10}$/);
    const result = await harness.execute(PATIENT, { id: created.id }, viewer);
    expect(result.errors).toBeUndefined();
    expect(result.data?.patient).toEqual({
      id: created.id,
      mrn: created.mrn,
      version: 1,
      fullName: 'João Silva',
      gender: 'MALE',
      birthDate: '1980-02-29',
      deceasedAt: null,
      email: 'joao@example.org',
      phone: '+351912345678',
      address: { line: ['Rua Augusta 1'], city: 'Lisboa', state: null, postalCode: null, country: 'PT' },
      identifiers: [{ system: 'urn:oid:2.16.620.1.101.10.1', value: '123456789' }],
      active: true,
      createdBy: { id: clinician.userId },
      updatedBy: { id: clinician.userId },
    });
  });

  test('a given MRN is kept (upper-cased), found by patientByMrn in any case, and unique', async () => {
    const created = await harness.createTestPatient({ mrn: 'abc-001' });
    expect(created.mrn).toBe('ABC-001');
    const found = await harness.execute(BY_MRN, { mrn: 'Abc-001' }, viewer);
    expect(found.data?.patientByMrn).toEqual({ id: created.id, mrn: 'ABC-001' });
    expect((await harness.execute(BY_MRN, { mrn: 'ABC-999' }, viewer)).data?.patientByMrn).toBeNull();
    const malformed = await harness.execute(BY_MRN, { mrn: 'no such mrn!' }, viewer);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'mrn' });
    const before = await patientCount();
    const again = await harness.execute(
      CREATE,
      { input: { givenName: 'A', familyName: 'B', mrn: 'ABC-001' } },
      clinician,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await patientCount()).toBe(before);
  });

  test('an identifier (system, value) belongs to one patient; the second one is CONFLICT and not written', async () => {
    const identifier = { system: 'urn:example:ssn', value: '078-05-1120' };
    await harness.createTestPatient({ identifiers: [identifier] });
    const before = await patientCount();
    const again = await harness.execute(
      CREATE,
      { input: { givenName: 'Other', familyName: 'Person', identifiers: [identifier] } },
      clinician,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await patientCount()).toBe(before);
  });

  test.each([
    [{ givenName: '   ' }, 'givenName'],
    [{ familyName: 'x'.repeat(101) }, 'familyName'],
    [{ birthDate: '2999-01-01' }, 'birthDate'],
    [{ birthDate: '1800-01-01' }, 'birthDate'],
    [{ birthDate: '2000-01-01', deceasedAt: '1999-06-01T00:00:00Z' }, 'deceasedAt'],
    [{ deceasedAt: '2999-01-01T00:00:00Z' }, 'deceasedAt'],
    [{ mrn: 'has space' }, 'mrn'],
    [{ address: { line: ['1', '2', '3', '4', '5'] } }, 'address.line'],
    [{ identifiers: [{ system: 'not a uri', value: '1' }] }, 'identifiers[0].system'],
    [
      {
        identifiers: [
          { system: 'urn:a', value: '1' },
          { system: 'urn:a', value: '2' },
        ],
      },
      'identifiers[1].system',
    ],
  ])('invalid input %j is BAD_USER_INPUT naming %s, and nothing is written', async (input, field) => {
    const before = await patientCount();
    const result = await harness.execute(
      CREATE,
      { input: { givenName: 'Valid', familyName: 'Name', ...input } },
      clinician,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await patientCount()).toBe(before);
  });

  test('scalars refuse a malformed email, phone or date with BAD_USER_INPUT before any resolver runs', async () => {
    for (const input of [{ email: 'not-an-email' }, { phone: '12345' }, { birthDate: '1980-13-45' }]) {
      const result = await harness.execute(CREATE, { input: { givenName: 'A', familyName: 'B', ...input } }, clinician);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(new RegExp(Object.keys(input)[0]!));
    }
  });

  test('inputs accept only client fields: no id, version, timestamps or authors', async () => {
    const result = await harness.execute(
      CREATE,
      { input: { givenName: 'A', familyName: 'B', version: 7, createdBy: admin.userId } },
      clinician,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test("an unknown id is null; a malformed one is the caller's mistake, BAD_USER_INPUT", async () => {
    const unknown = await harness.execute(PATIENT, { id: '00000000-0000-4000-8000-000000000000' }, viewer);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.patient).toBeNull();
    const malformed = await harness.execute(PATIENT, { id: 'not-an-id' }, viewer);
    expect(malformed.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});

describe('roles', () => {
  test('anonymous callers get UNAUTHENTICATED and no patient data', async () => {
    const { id } = await harness.createTestPatient();
    const result = await harness.execute(PATIENT, { id });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data?.patient ?? null).toBeNull();
  });

  test('a forged, expired or foreign token is UNAUTHENTICATED', async () => {
    const { id } = await harness.createTestPatient();
    const [header, payload] = clinician.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    const issuer = await testTokenIssuer();
    const expired = await issuer.sign({ role: 'ADMIN', expiresIn: -60 });
    const foreignAudience = await issuer.sign({ role: 'ADMIN', audience: 'another-api' });
    const otherKey = await (await createTestTokenIssuer()).sign({ role: 'ADMIN' });
    for (const token of [forged, expired, foreignAudience, otherKey]) {
      await expect(harness.execute(PATIENT, { id }, token)).rejects.toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
  });

  test('a VIEWER reads but may not write', async () => {
    const { id } = await harness.createTestPatient();
    expect((await harness.execute(PATIENT, { id }, viewer)).data?.patient.id).toBe(id);
    const before = await patientCount();
    const create = await harness.execute(CREATE, { input: { givenName: 'A', familyName: 'B' } }, viewer);
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const archive = await harness.execute(ARCHIVE, { id }, viewer);
    expect(archive.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await patientCount()).toBe(before);
  });

  test('archive hides a patient from non-admins as if it did not exist; only an ADMIN restores it', async () => {
    const { id, mrn } = await harness.createTestPatient();
    const archived = await harness.execute(ARCHIVE, { id }, clinician);
    expect(archived.data?.archivePatient).toEqual({ id, active: false, version: 2 });

    const missing = '00000000-0000-4000-8000-000000000001';
    for (const caller of [viewer, clinician]) {
      expect((await harness.execute(PATIENT, { id }, caller)).data?.patient).toBeNull();
      expect((await harness.execute(BY_MRN, { mrn }, caller)).data?.patientByMrn).toBeNull();
      const again = await harness.execute(ARCHIVE, { id }, caller);
      const unknown = await harness.execute(ARCHIVE, { id: missing }, caller);
      expect(again.errors?.[0]).toEqual({ ...unknown.errors?.[0], path: ['archivePatient'] });
    }
    expect((await harness.execute(PATIENT, { id }, admin)).data?.patient).toMatchObject({ id, active: false });
    expect((await harness.execute(RESTORE, { id }, clinician)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const restored = await harness.execute(RESTORE, { id }, admin);
    expect(restored.data?.restorePatient).toEqual({ id, active: true, version: 3 });
    expect((await harness.execute(PATIENT, { id }, viewer)).data?.patient.id).toBe(id);
  });

  test('unknown ids in mutations are NOT_FOUND', async () => {
    const id = '00000000-0000-4000-8000-000000000002';
    expect((await harness.execute(ARCHIVE, { id }, clinician)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await harness.execute(RESTORE, { id }, admin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('federation', () => {
  const ENTITIES = `query($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Patient { id fullName createdBy { id } } }
  }`;

  test('_entities resolves patient references for a reader, with one SQL query for the page', async () => {
    const a = await harness.createTestPatient({ givenName: 'Ada', familyName: 'Ref' }, clinician);
    const b = await harness.createTestPatient({ givenName: 'Bea', familyName: 'Ref' }, clinician);
    harness.statements.length = 0;
    const result = await harness.execute(
      ENTITIES,
      {
        representations: [
          { __typename: 'Patient', id: a.id },
          { __typename: 'Patient', id: b.id },
        ],
      },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: a.id, fullName: 'Ada Ref', createdBy: { id: clinician.userId } },
      { id: b.id, fullName: 'Bea Ref', createdBy: { id: clinician.userId } },
    ]);
    const selects = harness.statements.filter((sql) => /select .* from "?patients"?\."?patient"?\b/i.test(sql));
    expect(selects).toHaveLength(1);
  });

  test('User.patientsCreated lists what a user created, newest first, for any reader', async () => {
    const author = await harness.caller('CLINICIAN');
    const first = await harness.createTestPatient({ givenName: 'First' }, author);
    const second = await harness.createTestPatient({ givenName: 'Second' }, author);
    await harness.createTestPatient({ givenName: 'Someone else' }, clinician);
    const USERS = `query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on User { id patientsCreated(first: 10) { edges { node { id } } totalCount } }
      }
    }`;
    const result = await harness.execute(
      USERS,
      { representations: [{ __typename: 'User', id: author.userId }] },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      {
        id: author.userId,
        patientsCreated: { edges: [{ node: { id: second.id } }, { node: { id: first.id } }], totalCount: 2 },
      },
    ]);
    const anonymous = await harness.execute(USERS, { representations: [{ __typename: 'User', id: author.userId }] });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('_entities refuses an anonymous caller and hides archived patients from non-admins', async () => {
    const { id } = await harness.createTestPatient();
    const anonymous = await harness.execute(ENTITIES, { representations: [{ __typename: 'Patient', id }] });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.data?._entities).toEqual([null]);

    await harness.execute(ARCHIVE, { id }, clinician);
    const hidden = await harness.execute(ENTITIES, { representations: [{ __typename: 'Patient', id }] }, viewer);
    expect(hidden.data?._entities).toEqual([null]);
    const shown = await harness.execute(ENTITIES, { representations: [{ __typename: 'Patient', id }] }, admin);
    expect(shown.data?._entities[0].id).toBe(id);
  });
});
