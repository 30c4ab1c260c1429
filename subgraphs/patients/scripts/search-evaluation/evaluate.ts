/**
 * `npm run bench:search`: search quality on the labelled evaluation set (evaluation-set.json,
 * written by generate.ts; `-- --generate` writes it again first). Loads its people into a
 * throwaway database (a fresh one on DATABASE_URL's server, or an embedded cluster), runs every
 * query through the subgraph's own list code (listPatients: the SQL a client's search runs) and
 * reports precision@1, recall@3 and mean reciprocal rank, by kind of query, and the same for a
 * grid of typo thresholds: the data SEARCH_TUNING was chosen on (`-- --without-grid` skips it).
 * `-- --json` prints JSON instead of Markdown.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  dropDatabase,
  initSubgraphOrm,
  migrateAll,
  openDatabase,
  provisionDatabase,
  SUBGRAPH_DATABASES,
  subgraphDatabaseUrl,
} from '@healthsync/orm/database';
import { entities } from '../../src/entities.js';
import { listPatients } from '../../src/patients/list.js';
import { SEARCH_TUNING, type SearchTuning } from '../../src/patients/search.js';
import { isMain, loadSearchEvaluationConfig, runCli } from '../environment.js';
import { type EvaluationQuery, type EvaluationSet, generateEvaluationSet, SET_FILE } from './generate.js';

/** How deep a query's results are read: a person below this rank counts as not found. */
const DEPTH = 10;

export function loadEvaluationSet(): EvaluationSet {
  return JSON.parse(readFileSync(SET_FILE, 'utf8')) as EvaluationSet;
}

/** Inserts the set's people (one statement); returns patient id by person key. */
export async function insertEvaluationPeople(em: EntityManager, set: EvaluationSet): Promise<Map<string, string>> {
  const rows = await em.execute<{ id: string; key: string }[]>(
    `INSERT INTO patients.patient (id, mrn, given_name, family_name, gender, birth_date, identifiers, created_at, updated_at)
     SELECT gen_random_uuid(), r.mrn, r."givenName", r."familyName", r.gender, r."birthDate"::date, '[]', now(), now()
     FROM jsonb_to_recordset(?::jsonb) AS r(mrn text, "givenName" text, "familyName" text, gender text, "birthDate" text)
     RETURNING id, mrn AS key`,
    [JSON.stringify(set.people)],
  );
  const keyOfMrn = new Map(set.people.map((person) => [person.mrn, person.key]));
  await em.execute('ANALYZE patients.patient');
  return new Map(rows.map((row) => [keyOfMrn.get(row.key)!, row.id]));
}

export interface QueryOutcome {
  query: EvaluationQuery;
  /** 1-based rank of the person meant, or null when not in the first DEPTH results. */
  rank: number | null;
  results: number;
}

export interface Scores {
  queries: number;
  precisionAt1: number;
  recallAt3: number;
  meanReciprocalRank: number;
  /** Mean number of patients a query returned (up to DEPTH): how many look-alikes a clinician sees. */
  meanResults: number;
}

export function scoresOf(outcomes: QueryOutcome[]): Scores {
  const n = outcomes.length || 1;
  const share = (test: (outcome: QueryOutcome) => boolean) => outcomes.filter(test).length / n;
  return {
    queries: outcomes.length,
    precisionAt1: share((o) => o.rank === 1),
    recallAt3: share((o) => o.rank !== null && o.rank <= 3),
    meanReciprocalRank: outcomes.reduce((sum, o) => sum + (o.rank ? 1 / o.rank : 0), 0) / n,
    meanResults: outcomes.reduce((sum, o) => sum + o.results, 0) / n,
  };
}

/** Runs each query as a clinician's search would and ranks the person meant. */
export async function runQueries(
  em: EntityManager,
  ids: Map<string, string>,
  queries: EvaluationQuery[],
  tuning: SearchTuning = SEARCH_TUNING,
): Promise<QueryOutcome[]> {
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const page = await listPatients(
      em.fork(),
      { filter: { search: query.query }, first: DEPTH, orderBy: { direction: 'ASC' } },
      { dateOrder: 'ISO', tuning },
    );
    const found = page.edges.map((edge) => edge.node.id);
    const at = found.indexOf(ids.get(query.expected) ?? '');
    outcomes.push({ query, rank: at < 0 ? null : at + 1, results: found.length });
  }
  return outcomes;
}

/** The typo thresholds compared: one typo from 3 to 6 letters, two from 6 to 10 (or never). */
export const TUNING_GRID: SearchTuning[] = [3, 4, 5, 6].flatMap((oneTypoFrom) =>
  [6, 7, 8, 9, 10, 99]
    .filter((twoTyposFrom) => twoTyposFrom > oneTypoFrom)
    .map((twoTyposFrom) => ({ oneTypoFrom, twoTyposFrom })),
);

export interface EvaluationReport {
  people: number;
  tuning: SearchTuning;
  overall: Scores;
  byKind: Record<string, Scores>;
  misses: { query: string; kind: string; rank: number | null }[];
  grid: { tuning: SearchTuning; scores: Scores }[];
  /** Milliseconds per query of the chosen tuning (listPatients in this process, median and p95). */
  latency: { p50: number; p95: number };
}

export async function evaluate(em: EntityManager, set: EvaluationSet, withGrid = true): Promise<EvaluationReport> {
  const ids = await insertEvaluationPeople(em, set);
  await runQueries(em, ids, set.queries.slice(0, 20)); // warm-up: plans, caches
  const times: number[] = [];
  const outcomes: QueryOutcome[] = [];
  for (const query of set.queries) {
    const started = performance.now();
    outcomes.push(...(await runQueries(em, ids, [query])));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const kinds = [...new Set(set.queries.map((query) => query.kind))];
  const grid = [];
  if (withGrid)
    for (const tuning of TUNING_GRID)
      grid.push({ tuning, scores: scoresOf(await runQueries(em, ids, set.queries, tuning)) });
  return {
    people: set.people.length,
    tuning: SEARCH_TUNING,
    overall: scoresOf(outcomes),
    byKind: Object.fromEntries(kinds.map((kind) => [kind, scoresOf(outcomes.filter((o) => o.query.kind === kind))])),
    misses: outcomes
      .filter((o) => o.rank !== 1)
      .map((o) => ({ query: o.query.query, kind: o.query.kind, rank: o.rank })),
    grid,
    latency: { p50: times[Math.floor(times.length / 2)] ?? 0, p95: times[Math.floor(times.length * 0.95)] ?? 0 },
  };
}

const fixed = (value: number) => value.toFixed(3);
const scoreCells = (s: Scores) =>
  `${s.queries} | ${fixed(s.precisionAt1)} | ${fixed(s.recallAt3)} | ${fixed(s.meanReciprocalRank)} | ${s.meanResults.toFixed(1)}`;

/** The report as Markdown tables, for gateway/bench/README.md, "Search quality". */
export function markdownReport(report: EvaluationReport): string {
  const head = '| queries | precision@1 | recall@3 | MRR | results per query |';
  const rule = '|--:|--:|--:|--:|--:|';
  const { oneTypoFrom, twoTyposFrom } = report.tuning;
  const lines = [
    `Search evaluation: ${report.overall.queries} labelled queries over ${report.people.toLocaleString('en')} look-alike people; one typo from ${oneTypoFrom} letters, two from ${twoTyposFrom}; listPatients in-process p50 ${report.latency.p50.toFixed(1)} ms, p95 ${report.latency.p95.toFixed(1)} ms per query.`,
    '',
    `| kind of query ${head}`,
    `|---${rule}`,
    `| **all** | ${scoreCells(report.overall)} |`,
    ...Object.entries(report.byKind).map(([kind, scores]) => `| ${kind} | ${scoreCells(scores)} |`),
  ];
  if (report.misses.length)
    lines.push(
      '',
      `Not first (${report.misses.length}): ${report.misses.map((m) => `"${m.query}" (${m.kind}, ${m.rank === null ? `not in the first ${DEPTH}` : `rank ${m.rank}`})`).join('; ')}.`,
    );
  if (report.grid.length)
    lines.push(
      '',
      'Typo thresholds compared (one typo from / two typos from letters):',
      '',
      `| one from | two from ${head}`,
      `|--:|--:${rule}`,
      ...report.grid.map(
        ({ tuning, scores }) =>
          `| ${tuning.oneTypoFrom} | ${tuning.twoTyposFrom === 99 ? 'never' : tuning.twoTyposFrom} | ${scoreCells(scores)} |`,
      ),
    );
  return lines.join('\n');
}

/** A throwaway patients database with the migrations applied, and the patients role's ORM on it. */
export async function throwawayDatabase(serverUrl: string | undefined, log: (line: string) => void) {
  const cleanups: (() => Promise<void>)[] = [];
  let adminUrl: string;
  if (serverUrl) {
    const url = new URL(serverUrl);
    url.pathname = `/healthsync_search_eval_${randomBytes(4).toString('hex')}`;
    adminUrl = url.toString();
    cleanups.push(() => dropDatabase(adminUrl));
  } else {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-search-eval-'));
    chmodSync(folder, 0o755); // as root the cluster runs as `postgres`
    const database = await openDatabase({ dataDir: folder, log });
    adminUrl = database.adminUrl;
    cleanups.push(async () => {
      await database.stop();
      rmSync(folder, { recursive: true, force: true });
    });
  }
  const password = randomBytes(18).toString('base64url');
  await provisionDatabase(adminUrl, { patients: password });
  await migrateAll(adminUrl);
  const orm = await initSubgraphOrm({
    subgraph: SUBGRAPH_DATABASES.patients,
    clientUrl: subgraphDatabaseUrl(adminUrl, 'patients', password),
    entities,
    poolSize: 2,
  });
  cleanups.unshift(() => orm.close());
  return {
    em: orm.em.fork(),
    /** The throwaway database as its owner. */
    adminUrl,
    close: async () => {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

if (isMain(import.meta.url))
  runCli(async () => {
    const { values } = parseArgs({
      options: {
        generate: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'without-grid': { type: 'boolean', default: false },
      },
    });
    const config = loadSearchEvaluationConfig();
    const log = (line: string) => console.error(`[bench:search] ${line}`);
    if (values.generate) {
      const set = generateEvaluationSet();
      writeFileSync(SET_FILE, `${JSON.stringify(set, null, 1)}\n`);
      log(`wrote ${set.people.length} people and ${set.queries.length} queries`);
    }
    const database = await throwawayDatabase(config.DATABASE_URL, log);
    try {
      const report = await evaluate(database.em, loadEvaluationSet(), !values['without-grid']);
      console.log(values.json ? JSON.stringify(report) : markdownReport(report));
    } finally {
      await database.close();
    }
    return 0;
  });
