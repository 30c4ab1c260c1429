/**
 * `npm run bench:import`: boots the real stack (subgraphs, gateway, nginx when installed) on free
 * ports against a database of its own, imports BENCH_IMPORT_PATIENTS generated patients (NDJSON)
 * through nginx + gateway with the import CLI's code and prints patients/s; imports
 * BENCH_IMPORT_SYNTHEA_PEOPLE generated Synthea Bundles (whole records) and prints resources/s;
 * copies those records until BENCH_SUMMARY_PATIENTS patients have one and times Patient.summary
 * through nginx + gateway (p50/p95/p99); then runs the import CLI as its own process on a
 * generated Synthea patients.csv of BENCH_IMPORT_CSV_MB MB and prints its peak resident memory.
 * The Synthea import and the summary also say the CPU each process spent per resource / request.
 * A benchmark, not a test: nothing is asserted.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { REPO_ROOT, withClient } from '@healthsync/orm/database';
import { cpuSeconds } from '@healthsync/gateway/bench/cpu';
import { findNginx } from '@healthsync/gateway/stack/nginx';
import { benchLauncher } from '@healthsync/gateway/bench/stack';
import { startThrowawayStack, type ThrowawayStack } from '@healthsync/gateway/stack/throwaway';
import { connect, rate } from './api.js';
import { loadBenchImportConfig, runCli } from './environment.js';
import { runImport } from './import.js';
import { seedPatients } from './seed.js';
import { syntheaPeople, writeSyntheaOutput } from './synthea-fixtures.js';

const log = (line: string) => console.error(`[bench:import] ${line}`);
const ADMIN = { email: 'bench-import@example.org', password: 'benchmark import admin passphrase' };
const CSV_HEADER =
  'Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME';

/**
 * A Synthea-shaped patients.csv of about `megabytes` MB, from the seed generator's people. Document
 * numbers count from `firstRow`: two files with disjoint ranges share no identifier.
 */
async function writeSyntheaCsv(file: string, megabytes: number, firstRow: number): Promise<number> {
  const out = createWriteStream(file);
  out.write(`${CSV_HEADER}\n`);
  const target = megabytes * 1024 * 1024;
  let written = 0;
  let rows = 0;
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  // biome-ignore lint/suspicious/noExplicitAny: generated FHIR resources
  for (const patient of seedPatients(99, Number.MAX_SAFE_INTEGER) as Generator<any>) {
    const id = `${randomBytes(4).toString('hex')}-${rows}`;
    const address = patient.address[0];
    const line = [
      id,
      patient.birthDate,
      patient.deceasedDateTime?.slice(0, 10) ?? '',
      // Unique per row (up to a million): a repeated SSN would make two rows one patient.
      `999-${String(Math.floor((firstRow + rows) / 10_000) % 100).padStart(2, '0')}-${String((firstRow + rows) % 10_000).padStart(4, '0')}`,
      `S9999${firstRow + rows}`,
      rows % 3 ? `X${firstRow + rows}X` : '',
      '',
      patient.name[0].given[0],
      patient.name[0].family,
      '',
      '',
      'M',
      'white',
      'nonhispanic',
      patient.gender === 'female' ? 'F' : 'M',
      'Boston  Massachusetts  US',
      address.line[0],
      address.city,
      address.state ?? 'Massachusetts',
      'Suffolk County',
      '25025',
      address.postalCode,
      '42.35',
      '-71.06',
      '123456.78',
      '2345.67',
      '55000',
    ]
      .map(quote)
      .join(',');
    if (!out.write(`${line}\n`)) await once(out, 'drain');
    written += line.length + 1;
    rows++;
    if (written >= target) break;
  }
  out.end();
  await finished(out);
  return rows;
}

/** CPU seconds so far of the stack's processes and of each PostgreSQL backend of `adminUrl`'s database. */
type CpuReading = Record<string, number>;
const BACKEND = 'PostgreSQL backend ';

async function readCpu(adminUrl: string, roots: Record<string, number>): Promise<CpuReading> {
  const backends = await withClient(adminUrl, async (db) => {
    const { rows } = await db.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((row) => row.pid);
  });
  return cpuSeconds({ ...roots, ...Object.fromEntries(backends.map((pid) => [`${BACKEND}${pid}`, pid])) });
}

/**
 * Milliseconds of CPU per unit (resource, request) between two readings, per process; the
 * backends summed as PostgreSQL (one that ended in between is lost, one that started counts whole).
 */
function cpuPer(before: CpuReading, after: CpuReading, units: number): string {
  const totals = new Map<string, number>();
  for (const [name, seconds] of Object.entries(after)) {
    const key = name.startsWith(BACKEND) ? 'PostgreSQL' : name;
    totals.set(key, (totals.get(key) ?? 0) + seconds - (before[name] ?? 0));
  }
  const all = [...totals.values()].reduce((sum, value) => sum + value, 0);
  const ms = (seconds: number) => ((seconds * 1000) / Math.max(units, 1)).toFixed(2);
  return `${[...totals].map(([name, seconds]) => `${name} ${ms(seconds)}`).join(', ')}; total ${ms(all)}`;
}

const CLINICAL_TABLES = [
  'encounter',
  'condition',
  'observation',
  'medication_request',
  'allergy_intolerance',
  'immunization',
  'procedure',
];

/**
 * Copies the imported Synthea patients and their records (new ids, references rewritten) until
 * `BENCH_SUMMARY_PATIENTS` patients have one, straight in SQL (importing millions of resources
 * through the API would take the bench an hour); then times Patient.summary of random patients
 * through the edge, one request after the other.
 */
async function benchSummary(
  adminUrl: string,
  signIn: () => ReturnType<typeof connect>,
  config: ReturnType<typeof loadBenchImportConfig>,
  imported: { resourceType: string; created: number }[],
  cpu: () => Promise<CpuReading>,
): Promise<string> {
  const observations = imported.find((counts) => counts.resourceType === 'Observation')?.created ?? 0;
  const people = imported.find((counts) => counts.resourceType === 'Patient')?.created ?? 1;
  const sampleIds = await withClient(adminUrl, async (db) => {
    const started = Date.now();
    await db.query(`CREATE TEMP TABLE bench_source AS
      SELECT DISTINCT patient_id AS id FROM patients.encounter`);
    const sources = Number((await db.query('SELECT count(*) AS n FROM bench_source')).rows[0].n);
    const copies = Math.max(0, Math.ceil((config.BENCH_SUMMARY_PATIENTS - sources) / Math.max(sources, 1)));
    log(`copying the records of ${sources} patients ${copies} times (${sources * (copies + 1)} patients)`);
    await db.query(
      `CREATE TEMP TABLE bench_copy AS SELECT s.id AS source, gen_random_uuid() AS id, n
       FROM bench_source s CROSS JOIN generate_series(1, $1::int) AS n`,
      [copies],
    );
    await db.query(`INSERT INTO patients.patient (id, mrn, version, given_name, family_name, gender, birth_date, identifiers, active, created_at, updated_at)
      SELECT c.id, 'BENCH-' || substr(replace(c.id::text, '-', ''), 1, 20), 1, p.given_name, p.family_name, p.gender, p.birth_date, '[]', true, now(), now()
      FROM bench_copy c JOIN patients.patient p ON p.id = c.source`);
    for (const table of CLINICAL_TABLES) {
      const { rows } = await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'patients' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const columns = rows.map((row) => row.column_name);
      const values = columns.map((column) => {
        if (column === 'id') return `t.id || '-' || c.n`;
        if (column === 'patient_id') return 'c.id';
        if (column === 'encounter_id') return `t.encounter_id || '-' || c.n`;
        if (column === 'resource')
          return `jsonb_set(jsonb_set(jsonb_set(t.resource, '{id}', to_jsonb(t.id || '-' || c.n)), '{subject,reference}', to_jsonb('Patient/' || c.id), false), '{patient,reference}', to_jsonb('Patient/' || c.id), false)`;
        return `t.${column}`;
      });
      await db.query(
        `INSERT INTO patients.${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM bench_copy c JOIN patients.${table} t ON t.patient_id = c.source`,
      );
    }
    for (const table of ['patient', ...CLINICAL_TABLES]) await db.query(`VACUUM ANALYZE patients.${table}`);
    await db.query('CHECKPOINT');
    log(`copied in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const { rows } = await db.query<{ id: string }>(
      'SELECT patient_id AS id FROM patients.encounter GROUP BY patient_id ORDER BY random() LIMIT 1000',
    );
    return rows.map((row) => row.id);
  });
  const counts = await withClient(adminUrl, async (db) => {
    const row = (
      await db.query(
        `SELECT (SELECT count(*) FROM patients.patient) AS patients, (SELECT count(*) FROM patients.observation) AS observations,
                (SELECT count(*) FROM patients.encounter) + (SELECT count(*) FROM patients.condition) + (SELECT count(*) FROM patients.observation)
                + (SELECT count(*) FROM patients.medication_request) + (SELECT count(*) FROM patients.allergy_intolerance)
                + (SELECT count(*) FROM patients.immunization) + (SELECT count(*) FROM patients.procedure) AS resources`,
      )
    ).rows[0];
    return { patients: Number(row.patients), observations: Number(row.observations), resources: Number(row.resources) };
  });
  // The copy takes minutes: a fresh sign-in, so no token expires while the requests are timed.
  const client = await signIn();
  const SUMMARY = `query BenchSummary($id: ID!) { patient(id: $id) { id summary {
    activeConditions { code { system code display } onsetAt }
    activeMedications { medication { code display } dosage authoredAt }
    allergies { code { display } criticality }
    latestVitals { code { code display } value { value unit } components { code { code } value { value unit } } effectiveAt }
    lastEncounter { type { display } class period { start end } }
  } } }`;
  const one = async (i: number) => {
    const started = performance.now();
    await client.request(SUMMARY, { id: sampleIds[i % sampleIds.length] });
    return performance.now() - started;
  };
  for (let i = 0; i < 100; i++) await one(i);
  const times: number[] = [];
  const cpuBefore = await cpu();
  const loadAtStart = os.loadavg()[0]?.toFixed(1);
  for (let i = 0; i < config.BENCH_SUMMARY_REQUESTS; i++) times.push(await one(i + 100));
  const cpuPerRequest = cpuPer(cpuBefore, await cpu(), times.length);
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1);
  return (
    `- Patient.summary through the edge at ${counts.patients} patients (${counts.resources} clinical resources, ${counts.observations} observations, ` +
    `about ${Math.round(observations / people)} observations per patient): ${times.length} requests one after the other, ` +
    `p50 ${at(0.5)} ms, **p95 ${at(0.95)} ms**, p99 ${at(0.99)} ms (${client.retried} retried at the edge's request); ` +
    `CPU ms per request: ${cpuPerRequest}; load average ${loadAtStart} → ${os.loadavg()[0]?.toFixed(1)}`
  );
}

runCli(async () => {
  const config = loadBenchImportConfig();
  const loadBefore = os.loadavg()[0]?.toFixed(1);
  let throwaway: ThrowawayStack | undefined;
  try {
    const nginx = findNginx(config.NGINX_BIN);
    // A database of its own: a new one on DATABASE_URL's server, or a throwaway embedded cluster.
    throwaway = await startThrowawayStack({
      prefix: 'healthsync-bench-import-',
      serverUrl: config.DATABASE_URL,
      launcher: benchLauncher({
        nginxBin: config.NGINX_BIN,
        logLevel: 'warn',
        log,
        cpuProfileDir: config.BENCH_CPU_PROF_DIR,
        env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
    });
    const { stack, adminUrl, workDir } = throwaway;
    const postgres = await withClient(
      adminUrl,
      async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version,
    );
    if (config.BENCH_CPU_PROF_DIR) mkdirSync(config.BENCH_CPU_PROF_DIR, { recursive: true });
    const roots = Object.fromEntries(
      [
        ['patients subgraph', stack.pids['patients subgraph']],
        ['users subgraph', stack.pids['users subgraph']],
        ['gateway', stack.pids.gateway],
        ['nginx', stack.pids.nginx],
        ['load generator', process.pid],
      ].filter((entry): entry is [string, number] => entry[1] !== undefined),
    );
    const cpu = () => readCpu(adminUrl, roots);
    const edge = stack.urls.edge;
    log(`stack up, edge ${edge} (${nginx ? 'nginx + gateway' : 'gateway only: nginx not installed'})`);
    const client = await connect({ url: edge, credentials: ADMIN });

    const ndjson = path.join(workDir, 'patients.ndjson');
    const lines = [...seedPatients(2026, config.BENCH_IMPORT_PATIENTS)].map((patient) => JSON.stringify(patient));
    writeFileSync(ndjson, `${lines.join('\n')}\n`);
    // Warm-up: JIT, connection pools and the plan cache, on patients that are not measured.
    const warmup = path.join(workDir, 'warmup.ndjson');
    writeFileSync(warmup, `${[...seedPatients(7, 500)].map((patient) => JSON.stringify(patient)).join('\n')}\n`);
    await runImport({ client, paths: [warmup], concurrency: config.BENCH_IMPORT_CONCURRENCY });

    log(`importing ${config.BENCH_IMPORT_PATIENTS} patients through ${edge}`);
    const created = await runImport({ client, paths: [ndjson], concurrency: config.BENCH_IMPORT_CONCURRENCY });
    log(`re-importing the same ${config.BENCH_IMPORT_PATIENTS} (all unchanged)`);
    const again = await runImport({ client, paths: [ndjson], concurrency: config.BENCH_IMPORT_CONCURRENCY });

    const clinical: string[] = [];
    if (config.BENCH_IMPORT_SYNTHEA_PEOPLE > 0) {
      const synthea = path.join(workDir, 'synthea');
      const written = writeSyntheaOutput(synthea, syntheaPeople(2027, config.BENCH_IMPORT_SYNTHEA_PEOPLE), false);
      log(`importing ${written.people} Synthea Bundles (${written.resources} entries) through ${edge}`);
      const loadAtStart = os.loadavg()[0]?.toFixed(1);
      const cpuBefore = await cpu();
      const retriedBefore = client.retried;
      const bundles = await runImport({
        client,
        paths: [path.join(synthea, 'fhir')],
        concurrency: config.BENCH_IMPORT_CONCURRENCY,
      });
      const stored = bundles.created + bundles.updated + bundles.unchanged;
      const cpuPerResource = cpuPer(cpuBefore, await cpu(), stored);
      clinical.push(
        `- import of ${written.people} Synthea Bundles (${written.resources} entries, ${bundles.skipped} of types not modelled) through ${nginx ? 'nginx + gateway' : 'the gateway'}: ` +
          `**${rate(stored, bundles.milliseconds)} resources stored** (${bundles.created} created, ${bundles.rejected.length} rejected, ` +
          `${client.retried - retriedBefore} calls retried at the edge's request, ` +
          `${(bundles.milliseconds / 1000).toFixed(1)} s; ${rate(written.resources, bundles.milliseconds)} Bundle entries read); ` +
          `CPU ms per resource stored: ${cpuPerResource}; load average ${loadAtStart} → ${os.loadavg()[0]?.toFixed(1)}`,
      );
      const againBefore = await cpu();
      const again = await runImport({
        client,
        paths: [path.join(synthea, 'fhir')],
        concurrency: config.BENCH_IMPORT_CONCURRENCY,
      });
      clinical.push(
        `- re-import of the same Bundles: ${rate(again.unchanged, again.milliseconds)} resources (${again.unchanged} unchanged, ${again.updated} updated, ${again.created} created); ` +
          `CPU ms per resource: ${cpuPer(againBefore, await cpu(), again.created + again.updated + again.unchanged)}`,
      );
      clinical.push(
        await benchSummary(adminUrl, () => connect({ url: edge, credentials: ADMIN }), config, bundles.resources, cpu),
      );
      for (const line of clinical) log(`measured: ${line}`);
    }

    // Exactly what `npm run import` runs (its node flags included), without npm in between.
    const importCommand = () => {
      const scripts = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
      const [node, ...args] = String(scripts.import).split(/\s+/);
      if (node !== 'node') throw new Error(`npm run import is not a node command: ${scripts.import}`);
      return [process.execPath, ...args];
    };
    /** The import CLI as its own process on `csv`: its peak resident memory, time and summary. */
    const importCliOn = async (csv: string) => {
      const started = Date.now();
      const { stdout, stderr } = await promisify(execFile)(
        '/usr/bin/time',
        ['-f', 'peak-rss-kb=%M', ...importCommand(), csv],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            HEALTHSYNC_URL: edge,
            HEALTHSYNC_EMAIL: ADMIN.email,
            HEALTHSYNC_PASSWORD: ADMIN.password,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
      ).catch((error: { stdout: string; stderr: string }) => error);
      const peak = /peak-rss-kb=(\d+)/.exec(stderr)?.[1];
      const megabytes = (statSync(csv).size / 2 ** 20).toFixed(0);
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      return `${megabytes} MB CSV: ${peak ? `${(Number(peak) / 1024).toFixed(0)} MB peak RSS` : `unknown peak (${stderr.slice(-200)})`}, ${seconds} s, "${stdout.split('\n')[0]}"`;
    };
    const memory: string[] = [];
    if (config.BENCH_IMPORT_CSV_MB > 0) {
      // The same CLI on a 1 MB file first: what Node.js, tsx and the CLI take whatever the input.
      for (const [name, megabytes, firstRow] of [
        ['small.csv', 1, 900_000],
        ['patients.csv', config.BENCH_IMPORT_CSV_MB, 0],
      ] as const) {
        const csv = path.join(workDir, name);
        const rows = await writeSyntheaCsv(csv, megabytes, firstRow);
        log(`import CLI on a ${megabytes} MB Synthea CSV (${rows} rows), as its own process`);
        memory.push(await importCliOn(csv));
      }
    }

    const cpus = os.cpus();
    const machine = `${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, PostgreSQL ${postgres}, 1-minute load average ${loadBefore} at the start, ${os.loadavg()[0]?.toFixed(1)} at the end`;
    console.log(`bench:import ${new Date().toISOString().slice(0, 10)} on ${machine}`);
    console.log(
      `- import of ${created.records} new patients through ${nginx ? 'nginx + gateway' : 'the gateway'}: ${rate(created.created, created.milliseconds)} ` +
        `(${created.created} created, ${created.updated} updated, ${created.rejected.length} rejected, ${(created.milliseconds / 1000).toFixed(1)} s, ${config.BENCH_IMPORT_CONCURRENCY} batches of 100 in flight)`,
    );
    console.log(
      `- re-import of the same ${again.records}: ${rate(again.records, again.milliseconds)} (${again.unchanged} unchanged, ${again.updated} updated, ${again.created} created)`,
    );
    for (const line of clinical) console.log(line);
    for (const line of memory) console.log(`- import CLI process, ${line}`);
    return 0;
  } finally {
    await throwaway?.stop().catch(() => {});
  }
});
