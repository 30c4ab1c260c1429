/**
 * The import and export CLIs against a real stack (nginx when installed, gateway, subgraphs,
 * PostgreSQL), over HTTP through the public edge only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT, withClient } from '@healthsync/orm/database';
import { type ApiClient, connect } from '../scripts/api.js';
import { CliError } from '../scripts/environment.js';
import { BULK_TYPES, runBulkExport, runExport } from '../scripts/export.js';
import { runImport } from '../scripts/import.js';
import { seedPatients } from '../scripts/seed.js';
import { MODELLED_TYPES } from '../scripts/sources.js';
import { syntheaPeople, writeSyntheaOutput } from '../scripts/synthea-fixtures.js';
import { SYNTHEA_SYSTEM } from '../scripts/synthea.js';
import { fhirSchemaErrors } from './fhir-schema.js';
import { STACK_ADMIN, startDataStack } from './import-stack.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);

let data: Awaited<ReturnType<typeof startDataStack>>;
let admin: ApiClient;
let tmp: string;
beforeAll(async () => {
  data = await startDataStack();
  admin = await data.admin();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'healthsync-import-'));
}, 120_000);
afterAll(async () => {
  await data?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

const patientCount = () =>
  withClient(data.database.adminUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patients.patient');
    return rows[0]!.n;
  });

async function exportAll(client: ApiClient = admin): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await runExport({ client, out });
  out.end();
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('npm run import', () => {
  test('every format of the fixtures folder: good records imported, bad ones listed by file and line', async () => {
    const summary = await runImport({ client: admin, paths: [FIXTURES] });
    const where = (name: string, at: string) => `${fixture(name)}${at}`;
    expect(summary.rejected).toEqual([
      {
        where: where('patients.ndjson', ':3'),
        message: 'Observation.subject.reference is required (the patient it is about)',
      },
      { where: where('patients.ndjson', ':4'), message: expect.stringMatching(/^malformed JSON/) },
      {
        where: where('synthea-bad.csv', ':3'),
        message: expect.stringMatching(/birthDate must be a full calendar date.*1990-02-30/),
      },
      { where: where('synthea-bad.csv', ':4'), message: 'GENDER must be M or F, not "X"' },
      {
        where: where('synthea-bad.csv', ':5'),
        message: expect.stringMatching(/^malformed CSV: Invalid Closing Quote/),
      },
      { where: where('synthea-bad.csv', ':6'), message: expect.stringMatching(/name.given is required/) },
    ]);
    // 3 NDJSON patients, 1 Bundle patient with an encounter, a condition and an observation, 4 + 2 CSV rows.
    expect(summary).toMatchObject({ records: 19, created: 13, updated: 0, unchanged: 0 });
    expect(await patientCount()).toBe(10);
  });

  test('a second run creates nothing: every record is matched by its identifier', async () => {
    const summary = await runImport({
      client: admin,
      paths: [fixture('synthea-patients.csv'), fixture('patients.ndjson')],
    });
    expect(summary).toMatchObject({ created: 0, updated: 0, unchanged: 7 });
    expect(await patientCount()).toBe(10);
  });

  test('a 10 MB name is refused for its own line without sending it; the next lines are imported', async () => {
    const file = path.join(tmp, 'huge.ndjson');
    const patient = (family: string, id: string) =>
      JSON.stringify({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:test:huge', value: id }],
        name: [{ family, given: ['Big'] }],
      });
    writeFileSync(file, `${patient('A'.repeat(10 * 1024 * 1024), 'h1')}\n${patient('Smallname', 'h2')}\n`);
    const summary = await runImport({ client: admin, paths: [file] });
    expect(summary.rejected).toEqual([
      { where: `${file}:1`, message: expect.stringMatching(/^record is \d+ bytes; at most 32768/) },
    ]);
    expect(summary.created).toBe(1);
  });

  test('a file that is not what its name says is one error for that file; the other files go on', async () => {
    const csv = path.join(tmp, 'not-synthea.csv');
    writeFileSync(csv, 'Id,NAME,BIRTHDATE\n1,Ann,1990-01-01\n');
    const json = path.join(tmp, 'broken.json');
    writeFileSync(json, '{"resourceType": "Patient", "name": [');
    const single = path.join(tmp, 'single.json');
    writeFileSync(
      single,
      JSON.stringify({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:test:single', value: 's1' }],
        name: [{ family: 'Singlefile', given: ['Una'] }],
      }),
    );
    const summary = await runImport({ client: admin, paths: [csv, json, single] });
    expect(summary.rejected).toEqual([
      { where: json, message: expect.stringMatching(/^malformed JSON/) },
      { where: `${csv}:1`, message: 'not a Synthea patients.csv: no FIRST, LAST columns in the header' },
    ]);
    expect(summary.created).toBe(1);
  });

  test('the CLI itself: summary on stdout with the rejected lines, plain progress lines when not a TTY, exit 1', async () => {
    const run = promisify(execFile);
    const result = await run(
      process.execPath,
      ['--import', 'tsx', 'subgraphs/patients/scripts/import.ts', fixture('synthea-bad.csv')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          HEALTHSYNC_URL: data.edge,
          HEALTHSYNC_EMAIL: STACK_ADMIN.email,
          HEALTHSYNC_PASSWORD: STACK_ADMIN.password,
        },
      },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stdout).toMatch(/^6 records from 1 file in .*: 0 created, 0 updated, 2 unchanged, 4 rejected$/m);
    expect(result.stdout).toContain(`${fixture('synthea-bad.csv')}:4: GENDER must be M or F, not "X"`);
    expect(result.stderr).toMatch(/^import: 100% /m);
  });

  test('bad credentials are one clear error naming who was refused', async () => {
    const refused = connect({ url: data.edge, credentials: { email: STACK_ADMIN.email, password: 'wrong password!' } });
    await expect(refused).rejects.toThrow(CliError);
    await expect(refused).rejects.toThrow(/^sign-in as data-admin@example.org refused: /);
  });
});

describe('npm run export', () => {
  test('every patient, one FHIR R4 Patient per line, each valid against the FHIR R4 JSON schema', async () => {
    const lines = await exportAll();
    expect(lines).toHaveLength(await patientCount());
    for (const resource of lines) expect([resource.id, fhirSchemaErrors(resource)]).toEqual([resource.id, []]);
  });

  test('what was imported round-trips: the modelled fields of a Synthea row come back', async () => {
    const lines = await exportAll();
    const zoe = lines.find((resource) =>
      (resource.identifier as { system: string; value: string }[]).some(
        (identifier) =>
          identifier.system === SYNTHEA_SYSTEM && identifier.value === '0b6f1a52-3c1e-4d0a-9a61-2f0c7e1d4a01',
      ),
    );
    expect(zoe).toMatchObject({
      resourceType: 'Patient',
      active: true,
      name: [{ family: 'Müller-Lüdenscheidt', given: ['Zoë'] }],
      gender: 'female',
      birthDate: '1961-04-17',
      address: [{ line: ['12 Elm Street, Apt 3'], city: 'Springfield', state: 'Massachusetts', postalCode: '01103' }],
    });
    expect(zoe?.identifier).toEqual(
      expect.arrayContaining([
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-31-4821' },
        { system: 'urn:oid:2.16.840.1.113883.4.3.25', value: 'S99961234' },
      ]),
    );
    const jose = lines.find((resource) => JSON.stringify(resource.name).includes('Nuñez'));
    expect(jose).toMatchObject({ deceasedDateTime: '2021-03-14T00:00:00.000Z', birthDate: '1932-02-29' });
  });

  test('the export file imports back onto the same records: nothing created, nothing changed', async () => {
    const file = path.join(tmp, 'export.ndjson');
    const lines = await exportAll();
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
    const summary = await runImport({ client: admin, paths: [file] });
    expect(summary).toMatchObject({
      records: lines.length,
      created: 0,
      updated: 0,
      unchanged: lines.length,
      rejected: [],
    });
  });

  test('pages past the first 100 patients, each exported once', async () => {
    const file = path.join(tmp, 'many.ndjson');
    writeFileSync(file, [...seedPatients(21, 120)].map((patient) => JSON.stringify(patient)).join('\n'));
    expect(await runImport({ client: admin, paths: [file] })).toMatchObject({ created: 120, rejected: [] });
    const ids = (await exportAll()).map((resource) => resource.id);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids).toHaveLength(await patientCount());
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the clinical record in and out (Synthea output, Bulk Data export)', () => {
  const CLINICAL_TABLES = [
    'encounter',
    'condition',
    'observation',
    'medication_request',
    'allergy_intolerance',
    'immunization',
    'procedure',
  ];
  const tableCounts = () =>
    withClient(data.database.adminUrl, async (client) => {
      const counts: Record<string, number> & {
        patient: number;
        encounter: number;
        observation: number;
        condition: number;
      } = { patient: 0, encounter: 0, observation: 0, condition: 0 };
      for (const table of ['patient', ...CLINICAL_TABLES])
        counts[table] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM patients.${table}`))
          .rows[0]!.n;
      return counts;
    });
  let synthea: string;
  let people: ReturnType<typeof syntheaPeople> extends Generator<infer P> ? P[] : never;
  beforeAll(() => {
    synthea = path.join(tmp, 'synthea');
    people = [...syntheaPeople(31, 3, { encounters: [10, 14] })];
    writeSyntheaOutput(synthea, people, false);
    writeSyntheaOutput(path.join(tmp, 'synthea-csv'), syntheaPeople(32, 2, { encounters: [3, 5] }), true);
  });

  test("Synthea's Bundles (over the body limit each): every modelled resource stored with its patient, the rest skipped", async () => {
    const before = await tableCounts();
    const summary = await runImport({ client: admin, paths: [path.join(synthea, 'fhir')] });
    expect(summary.rejected).toEqual([]);
    const expected: Record<string, number> = {};
    let skipped = 0;
    for (const { bundle } of people)
      for (const { resource } of bundle.entry as { resource: { resourceType: string } }[]) {
        if (MODELLED_TYPES.has(resource.resourceType))
          expected[resource.resourceType] = (expected[resource.resourceType] ?? 0) + 1;
        else skipped++;
      }
    expect(summary.skipped).toBe(skipped);
    for (const counts of summary.resources.filter((c) => MODELLED_TYPES.has(c.resourceType)))
      expect(counts).toEqual({
        resourceType: counts.resourceType,
        created: expected[counts.resourceType],
        updated: 0,
        unchanged: 0,
        failed: 0,
        skipped: 0,
      });
    const after = await tableCounts();
    expect(after.patient - before.patient).toBe(3);
    expect(after.observation - before.observation).toBe(expected.Observation);
    expect(after.encounter - before.encounter).toBe(expected.Encounter);

    const again = await runImport({ client: admin, paths: [path.join(synthea, 'fhir')] });
    expect(again).toMatchObject({ created: 0, updated: 0, rejected: [] });
    expect(await tableCounts()).toEqual(after);
  });

  test("Synthea's CSVs: patients.csv first, then encounters.csv, then the rest, linked by PATIENT and ENCOUNTER", async () => {
    const dir = path.join(tmp, 'synthea-csv', 'csv');
    const before = await tableCounts();
    const summary = await runImport({ client: admin, paths: [dir] });
    expect(summary.rejected).toEqual([]);
    const lines = (file: string) => readFileSync(path.join(dir, file), 'utf8').trim().split('\n').length - 1;
    const after = await tableCounts();
    expect(after.patient - before.patient).toBe(lines('patients.csv'));
    expect(after.encounter - before.encounter).toBe(lines('encounters.csv'));
    expect(after.observation - before.observation).toBe(lines('observations.csv'));
    expect(after.condition - before.condition).toBe(lines('conditions.csv'));
    const again = await runImport({ client: admin, paths: [dir] });
    expect(again).toMatchObject({ created: 0, updated: 0, rejected: [] });
    expect(await tableCounts()).toEqual(after);
  });

  test('--out-dir writes one NDJSON per type, each line valid FHIR R4; imported back it changes nothing', async () => {
    const dir = path.join(tmp, 'bulk');
    const { counts } = await runBulkExport({ client: admin, dir });
    const stored = await tableCounts();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(BULK_TYPES.map((type) => `${type}.ndjson`).sort());
    const table: Record<string, string> = {
      Patient: 'patient',
      MedicationRequest: 'medication_request',
      AllergyIntolerance: 'allergy_intolerance',
    };
    for (const type of BULK_TYPES) {
      const resources = readFileSync(path.join(dir, `${type}.ndjson`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect([type, resources.length]).toEqual([type, stored[table[type] ?? type.toLowerCase()]]);
      expect(counts[type]).toBe(resources.length);
      for (const resource of resources.slice(0, 50))
        expect([type, fhirSchemaErrors(resource, type)]).toEqual([type, []]);
    }

    const summary = await runImport({ client: admin, paths: [dir] });
    expect(summary).toMatchObject({ created: 0, updated: 0, rejected: [] });
    expect(summary.unchanged).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    expect(await tableCounts()).toEqual(stored);
  });

  test('--since exports only what changed after the instant', async () => {
    const cut = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bundle = structuredClone(people[0]!.bundle) as { entry: { resource: Record<string, unknown> }[] };
    const condition = bundle.entry.find((entry) => entry.resource.resourceType === 'Condition')!.resource;
    condition.note = [{ text: 'reviewed' }];
    const file = path.join(tmp, 'changed.json');
    writeFileSync(file, JSON.stringify(bundle));
    expect(await runImport({ client: admin, paths: [file] })).toMatchObject({ updated: 1, rejected: [] });
    const dir = path.join(tmp, 'since');
    const { counts } = await runBulkExport({ client: admin, dir, since: cut });
    expect(counts).toEqual({ Condition: 1 });
    expect(JSON.parse(readFileSync(path.join(dir, 'Condition.ndjson'), 'utf8'))).toMatchObject({
      id: condition.id,
      meta: { versionId: '2' },
    });
  });
});
