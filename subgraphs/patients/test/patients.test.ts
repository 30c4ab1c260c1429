import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createPatientsHarness } from './harness.js';

let database: TestDatabase;
let harness: Awaited<ReturnType<typeof createPatientsHarness>>;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const PATIENT = `query Patient($id: ID!) {
  patient(id: $id) { id mrn version fullName gender birthDate email phone address { line city country }
    identifiers { system value } active createdBy { id } updatedBy { id } }
}`;

describe('createPatient and patient', () => {
  test('a clinician creates a patient; the MRN is generated and the author recorded', async () => {
    const clinician = await harness.caller('CLINICIAN');
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
    const result = await harness.execute(PATIENT, { id: created.id }, clinician);
    expect(result.errors).toBeUndefined();
    expect(result.data?.patient).toEqual({
      id: created.id,
      mrn: created.mrn,
      version: 1,
      fullName: 'João Silva',
      gender: 'MALE',
      birthDate: '1980-02-29',
      email: 'joao@example.org',
      phone: '+351912345678',
      address: { line: ['Rua Augusta 1'], city: 'Lisboa', country: 'PT' },
      identifiers: [{ system: 'urn:oid:2.16.620.1.101.10.1', value: '123456789' }],
      active: true,
      createdBy: { id: clinician.userId },
      updatedBy: { id: clinician.userId },
    });
  });

  test('anonymous callers get UNAUTHENTICATED and no patient data', async () => {
    const { id } = await harness.createTestPatient();
    const result = await harness.execute(PATIENT, { id });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data?.patient ?? null).toBeNull();
  });
});
