import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeStartupError, parseEnvironment } from '@healthsync/orm';
import { z } from 'zod';

/**
 * Settings of the data CLIs (seed, import, export, bench:import); nothing else in scripts/ reads
 * process.env. They talk to the public API only, so they need its address and a way to sign in.
 */
export const DataCliEnvironment = z.object({
  /** The public GraphQL endpoint: nginx in front of the gateway. */
  HEALTHSYNC_URL: z.url().default('http://localhost:8000/graphql'),
  /** An access token to use as it is (it expires: long runs should sign in instead). */
  HEALTHSYNC_TOKEN: z.string().min(1).optional(),
  /** Who signs in; ADMIN_EMAIL/ADMIN_PASSWORD (the stack's first admin) when unset. */
  HEALTHSYNC_EMAIL: z.email().optional(),
  HEALTHSYNC_PASSWORD: z.string().min(1).optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(1).optional(),
});
export type DataCliConfig = z.infer<typeof DataCliEnvironment>;

export function loadDataCliConfig(source: Record<string, string | undefined> = process.env): DataCliConfig {
  return parseEnvironment(DataCliEnvironment, source);
}

/** A mistake the user can fix (bad argument, wrong password, unreachable API): one line, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Runs a CLI's main: exit 0, or one clear line and exit 1 (the code a main sets, when it sets one). */
export function runCli(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      console.error(error instanceof CliError ? `error: ${error.message}` : describeStartupError(error));
      process.exit(1);
    },
  );
}

/** True in the module node was asked to run (the CLI), false when a test imports it. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(path.resolve(process.argv[1])).href;
}

/** Settings of `npm run bench:import`. */
export const BenchImportEnvironment = z.object({
  /** Admin URL of an existing PostgreSQL: the bench makes and drops its own database there. Unset: a throwaway embedded cluster. */
  DATABASE_URL: z.url().optional(),
  BENCH_IMPORT_PATIENTS: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  /** Batches the import CLI keeps in flight. */
  BENCH_IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(8),
  /** People of generated Synthea Bundles (a few hundred resources each) imported to measure resources/s; 0 skips it and the summary. */
  BENCH_IMPORT_SYNTHEA_PEOPLE: z.coerce.number().int().min(0).max(100_000).default(200),
  /** Patients the database holds (copies of those people's records) when Patient.summary is timed. */
  BENCH_SUMMARY_PATIENTS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Patient.summary requests timed, one after the other. */
  BENCH_SUMMARY_REQUESTS: z.coerce.number().int().min(10).max(100_000).default(1000),
  /** Size of the generated Synthea CSV whose import measures the CLI's peak memory; 0 skips it. */
  BENCH_IMPORT_CSV_MB: z.coerce.number().int().min(0).max(2000).default(100),
  /** When set, every service writes a V8 CPU profile into this folder on exit (as `npm run bench`'s). */
  BENCH_CPU_PROF_DIR: z.string().optional(),
  NGINX_BIN: z.string().default('nginx'),
});
export type BenchImportConfig = z.infer<typeof BenchImportEnvironment>;

export function loadBenchImportConfig(source: Record<string, string | undefined> = process.env): BenchImportConfig {
  return parseEnvironment(BenchImportEnvironment, source);
}

/** Settings of `npm run bench:search` (scripts/search-evaluation/evaluate.ts). */
export const SearchEvaluationEnvironment = z.object({
  /** Admin URL of an existing PostgreSQL: the evaluation makes and drops its own database there. Unset: a throwaway embedded cluster. */
  DATABASE_URL: z.url().optional(),
});

export function loadSearchEvaluationConfig(source: Record<string, string | undefined> = process.env) {
  return parseEnvironment(SearchEvaluationEnvironment, source);
}
