/**
 * `npm run export -- [--out file.ndjson]`: every patient as a FHIR R4 Patient resource, one per
 * line, read page by page from the public API and written as it arrives (stdout by default).
 * `npm run export -- --out-dir DIR [--since <instant>]`: FHIR Bulk Data's layout, one NDJSON file
 * per resource type (Patient.ndjson, Condition.ndjson, Observation.ndjson…), every patient's whole
 * record (Patient.everything), or what changed after the instant. Archived patients are included
 * (with `active: false`) when the signed-in user is an ADMIN.
 */
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CLINICAL_TYPES } from '../src/clinical/types.js';
import { type ApiClient, connect, credentialsOf, rate } from './api.js';
import { CliError, isMain, loadDataCliConfig, runCli } from './environment.js';
import { createProgress, type ProgressMode, progressMode } from './progress.js';

const PAGE = `query DataCliExport($after: String, $includeInactive: Boolean, $withTotal: Boolean!) {
  patients(first: 100, after: $after, filter: { includeInactive: $includeInactive }, orderBy: { field: CREATED_AT, direction: ASC }) {
    edges { node { fhir } }
    pageInfo { hasNextPage endCursor }
    totalCount @include(if: $withTotal)
  }
}`;

interface Page {
  patients: {
    edges: { node: { fhir: Record<string, unknown> } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    /** Only on the first page: counting is a query of its own. */
    totalCount?: number;
  };
}

export interface ExportOptions {
  client: ApiClient;
  out: Writable;
  /** Only patients whose record changed after this instant. */
  since?: Date | undefined;
  /** Progress on stderr; none by default (tests, embedding). */
  progress?: ProgressMode;
}

/** Writes every patient to `out` as NDJSON; resolves with how many, once all is handed to `out`. */
export async function runExport(options: ExportOptions): Promise<{ count: number; milliseconds: number }> {
  const { client, out } = options;
  const started = Date.now();
  const includeInactive = client.role === 'ADMIN';
  let count = 0;
  let after: string | null = null;
  let total: number | undefined;
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    for (;;) {
      const { patients }: Page = await client.request<Page>(PAGE, { after, includeInactive, withTotal: !progress });
      total ??= patients.totalCount ?? 0;
      progress ??= createProgress('export', total, options.progress ?? 'none');
      for (const { node } of patients.edges) {
        const { lastUpdated } = (node.fhir.meta ?? {}) as { lastUpdated?: string };
        if (options.since && lastUpdated && new Date(lastUpdated) <= options.since) continue;
        // Backpressure: a slow disk or pipe holds the next page back instead of filling memory.
        if (!out.write(`${JSON.stringify(node.fhir)}\n`)) await once(out, 'drain');
        count++;
      }
      progress.update(count, `${count} of ${total} patients`);
      if (!patients.pageInfo.hasNextPage) break;
      after = patients.pageInfo.endCursor;
    }
  } finally {
    progress?.stop();
  }
  return { count, milliseconds: Date.now() - started };
}

/** Patients per page of a bulk export: each brings its whole record (hundreds of resources). */
const BULK_PAGE_SIZE = 10;
const BULK_PAGE = `query DataCliBulkExport($after: String, $includeInactive: Boolean, $since: DateTime, $withTotal: Boolean!) {
  patients(first: ${BULK_PAGE_SIZE}, after: $after, filter: { includeInactive: $includeInactive }, orderBy: { field: CREATED_AT, direction: ASC }) {
    edges { node { everything(since: $since) } }
    pageInfo { hasNextPage endCursor }
    totalCount @include(if: $withTotal)
  }
}`;

/** The files a bulk export writes (FHIR Bulk Data: one per resource type). */
export const BULK_TYPES = ['Patient', ...CLINICAL_TYPES] as const;

interface BulkPage {
  patients: {
    edges: { node: { everything: { entry?: { resource: Record<string, unknown> }[] } } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount?: number;
  };
}

/**
 * Writes every patient's record into `dir` as `<Type>.ndjson` files (only the types there is
 * something of; earlier files of these types are replaced). Streams: one page of patients in
 * memory at a time, and a full disk holds the next page back. Resolves with the count per type.
 */
export async function runBulkExport(options: {
  client: ApiClient;
  dir: string;
  since?: Date | undefined;
  progress?: ProgressMode;
}): Promise<{ counts: Record<string, number>; patients: number; milliseconds: number }> {
  const { client, dir } = options;
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  for (const type of BULK_TYPES) rmSync(path.join(dir, `${type}.ndjson`), { force: true });
  const files = new Map<string, WriteStream>();
  const counts: Record<string, number> = {};
  const fileOf = async (type: string) => {
    let file = files.get(type);
    if (!file) {
      file = createWriteStream(path.join(dir, `${type}.ndjson`));
      files.set(type, file);
      await once(file, 'open');
    }
    return file;
  };
  const includeInactive = client.role === 'ADMIN';
  let after: string | null = null;
  let patients = 0;
  let total: number | undefined;
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    for (;;) {
      const page: BulkPage = await client.request<BulkPage>(BULK_PAGE, {
        after,
        includeInactive,
        since: options.since?.toISOString() ?? null,
        withTotal: !progress,
      });
      total ??= page.patients.totalCount ?? 0;
      progress ??= createProgress('export', total, options.progress ?? 'none');
      for (const { node } of page.patients.edges) {
        for (const { resource } of node.everything.entry ?? []) {
          const type = String(resource.resourceType);
          const file = await fileOf(type);
          if (!file.write(`${JSON.stringify(resource)}\n`)) await once(file, 'drain');
          counts[type] = (counts[type] ?? 0) + 1;
        }
        patients++;
      }
      progress.update(patients, `${patients} of ${total} patients`);
      if (!page.patients.pageInfo.hasNextPage) break;
      after = page.patients.pageInfo.endCursor;
    }
  } finally {
    progress?.stop();
    await Promise.all(
      [...files.values()].map(async (file) => {
        file.end();
        await finished(file);
      }),
    );
  }
  return { counts, patients, milliseconds: Date.now() - started };
}

/** `--since`: an instant with a time zone (FHIR's `_since`). */
function sinceOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(at.getTime()))
    throw new CliError(
      `--since must be an instant with a time zone (2026-01-01T00:00:00Z), not ${JSON.stringify(text)}`,
    );
  return at;
}

const USAGE =
  'usage: npm run export -- [--out file.ndjson | --out-dir DIR] [--since <instant>]   (patients to stdout when neither is given)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', short: 'o' },
      'out-dir': { type: 'string' },
      since: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.out && values['out-dir']) throw new CliError(`--out and --out-dir exclude each other\n${USAGE}`);
  const since = sinceOf(values.since);
  const config = loadDataCliConfig();
  const client = await connect({
    url: config.HEALTHSYNC_URL,
    token: config.HEALTHSYNC_TOKEN,
    credentials: credentialsOf(config),
  });
  const dir = values['out-dir'];
  if (dir) {
    const { counts, patients, milliseconds } = await runBulkExport({ client, dir, since, progress: progressMode() });
    const files = Object.entries(counts).map(([type, count]) => `${type}.ndjson ${count}`);
    console.error(
      `exported the records of ${patients} patients to ${dir} in ${(milliseconds / 1000).toFixed(1)} s: ${files.join(', ') || 'nothing'}` +
        (since ? ` (changed after ${since.toISOString()})` : '') +
        (client.role === 'ADMIN' ? ', archived ones included' : ''),
    );
    return 0;
  }
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  // `npm run export | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  if (values.out)
    await once(out, 'open').catch((error: Error) => Promise.reject(new CliError(`${values.out}: ${error.message}`)));
  const { count, milliseconds } = await runExport({
    client,
    out,
    since,
    progress: values.out ? progressMode() : 'none',
  });
  if (values.out) {
    out.end();
    await finished(out);
  }
  console.error(
    `exported ${count} patients${values.out ? ` to ${values.out}` : ''} in ${(milliseconds / 1000).toFixed(1)} s (${rate(count, milliseconds)})` +
      (client.role === 'ADMIN' ? ', archived ones included' : ''),
  );
  return 0;
}

if (isMain(import.meta.url)) runCli(main);
