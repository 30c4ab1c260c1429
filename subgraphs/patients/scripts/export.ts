/**
 * `npm run export -- [--out file.ndjson]`: every patient as a FHIR R4 Patient resource, one per
 * line, read page by page from the public API and written as it arrives (stdout by default).
 * Archived patients are included (with `active: false`) when the signed-in user is an ADMIN.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
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

const USAGE = 'usage: npm run export -- [--out file.ndjson]   (stdout when --out is not given)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadDataCliConfig();
  const client = await connect({
    url: config.HEALTHSYNC_URL,
    token: config.HEALTHSYNC_TOKEN,
    credentials: credentialsOf(config),
  });
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  // `npm run export | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  if (values.out)
    await once(out, 'open').catch((error: Error) => Promise.reject(new CliError(`${values.out}: ${error.message}`)));
  const { count, milliseconds } = await runExport({ client, out, progress: values.out ? progressMode() : 'none' });
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
