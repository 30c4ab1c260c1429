/**
 * `npm run import -- <file|directory>…`: FHIR JSON (Synthea's Bundles), NDJSON and Synthea's CSVs
 * into HealthSync through the public API (importPatients), in batches of bounded size, several in
 * flight. A clinical resource is only sent once its patient is stored. Prints a summary (per
 * resource type) with where each rejected record was; exits 1 when any was rejected.
 */
import { parseArgs } from 'node:util';
import { type ApiClient, ApiError, connect, credentialsOf, importBatch, rate, type ResourceTypeCounts } from './api.js';
import { CliError, isMain, loadDataCliConfig, runCli } from './environment.js';
import { createProgress, type ProgressMode, progressMode } from './progress.js';
import { listSources, readSource, type SourceRecord } from './sources.js';

/** The API's 200 patients per call, and well under the 100 kB body limit of the edge. */
const BATCH = { records: 200, bytes: 90 * 1024 } as const;

export interface ImportSummary {
  /** Records read (sent, rejected or skipped). */
  records: number;
  /** Resources of every type. */
  created: number;
  updated: number;
  unchanged: number;
  rejected: { where: string; message: string }[];
  /** Resources of types HealthSync does not model: read past, not sent. */
  skipped: number;
  /** The counts per resource type, Patient first. */
  resources: ResourceTypeCounts[];
  milliseconds: number;
}

export interface ImportOptions {
  client: ApiClient;
  paths: string[];
  /** Batches in flight at once. */
  concurrency?: number;
  /** Progress on stderr; none by default (tests, embedding). */
  progress?: ProgressMode;
}

interface Batch {
  records: Extract<SourceRecord, { bytes: number }>[];
  bytes: number;
}

const emptyCounts = (resourceType: string): ResourceTypeCounts => ({
  resourceType,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  skipped: 0,
});

/** `a.csv:10` before `a.csv:9`? No: file order, then line or entry number. */
function byPlace(a: { where: string }, b: { where: string }) {
  return a.where.localeCompare(b.where, 'en', { numeric: true });
}

/** Imports every record of `paths`; resolves with the counts and every rejected record. */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { client } = options;
  const sources = listSources(options.paths);
  const started = Date.now();
  const summary: ImportSummary = {
    records: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: [],
    skipped: 0,
    resources: [],
    milliseconds: 0,
  };
  const byType = new Map<string, ResourceTypeCounts>([['Patient', emptyCounts('Patient')]]);
  const countsOf = (type: string) => {
    const counts = byType.get(type) ?? emptyCounts(type);
    byType.set(type, counts);
    return counts;
  };
  const totalBytes = sources.reduce((sum, source) => sum + source.size, 0);
  const progress = createProgress('import', totalBytes, options.progress ?? 'none');
  let bytesRead = 0;
  const detail = () =>
    `${summary.records} records: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected`;

  const send = async (batch: Batch) => {
    try {
      const result = await importBatch(
        client,
        batch.records.map((item) => item.resource),
      );
      for (const counts of result.resources) {
        const total = countsOf(counts.resourceType);
        for (const kind of ['created', 'updated', 'unchanged', 'failed', 'skipped'] as const)
          total[kind] += counts[kind];
        summary.created += counts.created;
        summary.updated += counts.updated;
        summary.unchanged += counts.unchanged;
      }
      for (const failure of result.failed)
        summary.rejected.push({ where: batch.records[failure.index]?.where ?? '?', message: failure.message });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')
        throw new CliError(`the API refused the import: ${error.message}`);
      for (const item of batch.records) {
        summary.rejected.push({ where: item.where, message: error.message });
        countsOf(String(item.resource.resourceType)).failed++;
      }
    }
    progress.update(bytesRead, detail());
  };

  const concurrency = options.concurrency ?? 8;
  const inFlight = new Set<Promise<void>>();
  /** The call that stores each patient still in flight, by the reference its resources name it with. */
  const storing = new Map<string, Promise<void>>();
  let failure: unknown;
  const dispatch = async (batch: Batch) => {
    // A batch waits for the calls storing the patients its resources belong to (earlier batches).
    const waits = new Set<Promise<void>>();
    for (const item of batch.records) {
      const wait = item.dependsOn ? storing.get(item.dependsOn) : undefined;
      if (wait) waits.add(wait);
    }
    const sending: Promise<void> = Promise.all(waits)
      .then(() => send(batch))
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        inFlight.delete(sending);
        for (const item of batch.records)
          if (item.provides && storing.get(item.provides) === sending) storing.delete(item.provides);
      });
    for (const item of batch.records) if (item.provides) storing.set(item.provides, sending);
    inFlight.add(sending);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  try {
    let batch: Batch = { records: [], bytes: 0 };
    let rank = 0;
    for (const source of sources) {
      if (source.rank > rank) {
        // Patients before encounters before the rest: what a later rank names must be stored.
        if (batch.records.length) await dispatch(batch);
        batch = { records: [], bytes: 0 };
        await Promise.all(inFlight);
        rank = source.rank;
      }
      for await (const item of readSource(source, (bytes) => {
        bytesRead += bytes;
      })) {
        summary.records++;
        if (item.skipped) {
          summary.skipped++;
          countsOf(item.skipped).skipped++;
          continue;
        }
        if (!item.resource) {
          summary.rejected.push({ where: item.where, message: item.error ?? 'unreadable record' });
          continue;
        }
        // The resource, and the comma between two of them.
        const bytes = item.bytes + 1;
        if (batch.records.length >= BATCH.records || batch.bytes + bytes > BATCH.bytes) {
          await dispatch(batch);
          batch = { records: [], bytes: 0 };
        }
        batch.records.push(item);
        batch.bytes += bytes;
      }
    }
    if (batch.records.length) await dispatch(batch);
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    progress.stop();
  }
  summary.rejected.sort(byPlace);
  summary.resources = [...byType.values()].filter(
    (counts) => counts.created + counts.updated + counts.unchanged + counts.failed + counts.skipped > 0,
  );
  summary.milliseconds = Date.now() - started;
  return summary;
}

/** The summary as the CLI prints it. */
export function formatImportSummary(summary: ImportSummary, sources: number): string {
  const lines = [
    `${summary.records} records from ${sources} file${sources === 1 ? '' : 's'} in ${(summary.milliseconds / 1000).toFixed(1)} s (${rate(summary.records, summary.milliseconds)}): ` +
      `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected` +
      (summary.skipped ? `, ${summary.skipped} skipped (types not modelled)` : ''),
  ];
  if (summary.resources.some((counts) => counts.resourceType !== 'Patient'))
    for (const counts of summary.resources)
      lines.push(
        `  ${counts.resourceType}: ${[
          counts.created && `${counts.created} created`,
          counts.updated && `${counts.updated} updated`,
          counts.unchanged && `${counts.unchanged} unchanged`,
          counts.failed && `${counts.failed} failed`,
          counts.skipped && `${counts.skipped} skipped`,
        ]
          .filter(Boolean)
          .join(', ')}`,
      );
  if (summary.rejected.length) {
    lines.push('rejected:');
    for (const { where, message } of summary.rejected) lines.push(`  ${where}: ${message}`);
  }
  return lines.join('\n');
}

const USAGE =
  'usage: npm run import -- [--concurrency N] <file|directory>…  (.json, .ndjson/.jsonl, Synthea CSVs: patients.csv, encounters.csv, conditions.csv…)';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { concurrency: { type: 'string', default: '8' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new CliError(USAGE);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
    throw new CliError('--concurrency must be an integer from 1 to 32');
  const config = loadDataCliConfig();
  const sources = listSources(positionals);
  const client = await connect({
    url: config.HEALTHSYNC_URL,
    token: config.HEALTHSYNC_TOKEN,
    credentials: credentialsOf(config),
  });
  const summary = await runImport({ client, paths: positionals, concurrency, progress: progressMode() });
  console.log(formatImportSummary(summary, sources.length));
  return summary.rejected.length ? 1 : 0;
}

if (isMain(import.meta.url)) runCli(main);
