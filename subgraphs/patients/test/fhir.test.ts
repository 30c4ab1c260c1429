import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { fhirSchemaErrors } from './fhir-schema.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  clinician = await harness.caller('CLINICIAN');
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const FHIR = 'query Fhir($id: ID!) { patient(id: $id) { fhir } }';

describe('Patient.fhir', () => {
  test('a full record is a FHIR R4 Patient that validates against the official JSON schema', async () => {
    const { id, mrn } = await harness.createTestPatient(
      {
        givenName: 'Maria',
        familyName: 'Gonçalves',
        gender: 'FEMALE',
        birthDate: '1931-04-02',
        deceasedAt: '2020-12-24T08:30:00.000Z',
        email: 'maria@example.org',
        phone: '+351212345678',
        address: { line: ['Rua das Flores 12', '2º Esq'], city: 'Porto', postalCode: '4050-262', country: 'PT' },
        identifiers: [{ system: 'urn:oid:2.16.620.1.101.10.1', value: '987654321' }],
      },
      clinician,
    );
    const result = await harness.execute(FHIR, { id }, clinician);
    expect(result.errors).toBeUndefined();
    const fhir = result.data?.patient.fhir;
    expect(fhirSchemaErrors(fhir)).toEqual([]);
    expect(fhir).toEqual({
      resourceType: 'Patient',
      id,
      meta: { versionId: '1', lastUpdated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) },
      identifier: [
        {
          use: 'usual',
          type: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' },
            ],
          },
          system: 'urn:healthsync:mrn',
          value: mrn,
        },
        { system: 'urn:oid:2.16.620.1.101.10.1', value: '987654321' },
      ],
      active: true,
      name: [{ use: 'official', text: 'Maria Gonçalves', family: 'Gonçalves', given: ['Maria'] }],
      telecom: [
        { system: 'email', value: 'maria@example.org' },
        { system: 'phone', value: '+351212345678' },
      ],
      gender: 'female',
      birthDate: '1931-04-02',
      deceasedDateTime: '2020-12-24T08:30:00.000Z',
      address: [{ line: ['Rua das Flores 12', '2º Esq'], city: 'Porto', postalCode: '4050-262', country: 'PT' }],
    });
  });

  test('a minimal, archived record leaves absent data out (FHIR forbids empty values) and still validates', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Min', familyName: 'Imal' }, clinician);
    await harness.execute('mutation($id: ID!) { archivePatient(id: $id) { id } }', { id }, clinician);
    const admin = await harness.caller('ADMIN');
    const fhir = (await harness.execute(FHIR, { id }, admin)).data?.patient.fhir;
    expect(fhirSchemaErrors(fhir)).toEqual([]);
    expect(fhir).toMatchObject({ active: false, gender: 'unknown', meta: { versionId: '2' } });
    for (const absent of ['telecom', 'address', 'birthDate', 'deceasedDateTime'])
      expect(fhir).not.toHaveProperty(absent);
  });

  test('the schema check is not a rubber stamp', () => {
    expect(fhirSchemaErrors({ resourceType: 'Patient', gender: 'woman', birthDate: '31/04/1931' })).not.toEqual([]);
  });
});
