/** The seed script: reproducible faker patients, created through the public edge of a real stack. */
import { withClient } from '@healthsync/orm/database';
import { type ApiClient, connect } from '../scripts/api.js';
import { runSeed, SEED_SYSTEM, seedPatients } from '../scripts/seed.js';
import { fhirSchemaErrors } from './fhir-schema.js';
import { startDataStack } from './import-stack.js';

let data: Awaited<ReturnType<typeof startDataStack>>;
let admin: ApiClient;
beforeAll(async () => {
  data = await startDataStack();
  admin = await data.admin();
}, 120_000);
afterAll(async () => {
  await data?.stop();
}, 60_000);

const seededCount = (seed: number) =>
  withClient(data.database.adminUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM patients.patient_identifier WHERE system = $1 AND value LIKE $2',
      [SEED_SYSTEM, `${seed}-%`],
    );
    return rows[0]!.n;
  });

describe('seed patients (generation)', () => {
  const patients = [...seedPatients(3, 300)];
  // biome-ignore lint/suspicious/noExplicitAny: FHIR resources as generated
  const field = (key: string) => patients.map((patient: any) => patient[key]);

  test('the same seed gives the same patients; a larger count only adds patients after them', () => {
    expect([...seedPatients(3, 300)]).toEqual(patients);
    expect([...seedPatients(3, 10)]).toEqual(patients.slice(0, 10));
    expect([...seedPatients(4, 10)]).not.toEqual(patients.slice(0, 10));
  });

  test('varied: accented names, every gender, ages 0 to 100, some deceased, identifiers and addresses', () => {
    const names = patients.map((patient) => JSON.stringify(patient.name));
    expect(names.filter((name) => /[^\u0020-\u007e]/.test(name)).length).toBeGreaterThan(30);
    expect(new Set(field('gender'))).toEqual(new Set(['male', 'female', 'other', 'unknown']));
    const years = field('birthDate').map((date: string) => Number(date.slice(0, 4)));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1925);
    expect(Math.max(...years)).toBeLessThanOrEqual(2026);
    expect(Math.max(...years) - Math.min(...years)).toBeGreaterThan(80);
    expect(field('deceasedDateTime').filter(Boolean).length).toBeGreaterThan(5);
    expect(new Set(field('identifier').map((ids: { value: string }[]) => ids[0]?.value)).size).toBe(300);
    expect(field('address').every((address: unknown[]) => address.length === 1)).toBe(true);
  });

  test('every generated resource is a valid FHIR R4 Patient', () => {
    for (const patient of patients) expect(fhirSchemaErrors(patient)).toEqual([]);
  });
});

describe('npm run seed (through the edge)', () => {
  test('creates N patients; a second run with the same seed creates none; a larger count adds the rest', async () => {
    expect(await runSeed({ client: admin, count: 150, seed: 11 })).toMatchObject({
      created: 150,
      skipped: 0,
      failed: [],
    });
    expect(await runSeed({ client: admin, count: 150, seed: 11 })).toMatchObject({
      created: 0,
      skipped: 150,
      failed: [],
    });
    expect(await runSeed({ client: admin, count: 160, seed: 11 })).toMatchObject({
      created: 10,
      skipped: 150,
      failed: [],
    });
    expect(await seededCount(11)).toBe(160);
  });

  test('on a system without that account, the seed signs up (as the default role) and still creates patients', async () => {
    const client = await connect({
      url: data.edge,
      credentials: { email: 'seed-newcomer@example.org', password: 'an unusual seedling passphrase' },
      signUpIfUnknown: true,
    });
    expect(client.role).toBe('CLINICIAN');
    expect(await runSeed({ client, count: 5, seed: 12 })).toMatchObject({ created: 5, failed: [] });
    expect(await seededCount(12)).toBe(5);
  });
});
