/**
 * `npm run bench:nl`: natural-language search quality on the labelled evaluation set
 * (evaluation-set.json, written by generate.ts; `-- --generate` writes it again first). Loads its
 * people and their conditions, medications and allergies into a throwaway database (a fresh one
 * on DATABASE_URL's server, or an embedded cluster), runs every query through patientSearch (the
 * resolver's own code, in this process) with the set's day as today, reads every page, and reports
 * mean F1, the exact-match rate (the very set meant) and the latency of a first page (p50, p95),
 * twice: with the semantic fallback off (text and synonyms) and on (NL_SEARCH_SEMANTIC=on: the
 * embedding model, loaded by the first query that needs it, its cost reported apart).
 * `-- --people N` runs on N people generated in memory (a scale run: the same queries, labels
 * computed for them). `-- --json` prints JSON instead of Markdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withClient } from '@healthsync/orm/database';
import { patientSearch } from '../../src/nl-search/patient-search.js';
import { SemanticMatcher } from '../../src/nl-search/semantic.js';
import { VocabularyCache } from '../../src/nl-search/vocabulary.js';
import { CliError, isMain, loadSearchEvaluationConfig, runCli } from '../environment.js';
import { throwawayDatabase } from '../search-evaluation/evaluate.js';
import { type EvaluationQuery, type EvaluationSet, generateEvaluationSet, SET_FILE } from './generate.js';

export function loadNlEvaluationSet(): EvaluationSet {
  return JSON.parse(readFileSync(SET_FILE, 'utf8')) as EvaluationSet;
}

/** Inserts the set's people and their coded records (one statement per table). */
export async function insertNlEvaluationPeople(em: EntityManager, set: EvaluationSet): Promise<void> {
  await em.execute(
    `INSERT INTO patients.patient (id, mrn, given_name, family_name, gender, birth_date, deceased_at, address, identifiers, created_at, updated_at)
     SELECT r.id, r.mrn, r."givenName", r."familyName", r.gender, r."birthDate"::date, r."deceasedAt"::timestamptz, r.address, '[]', now(), now()
     FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, mrn text, "givenName" text, "familyName" text, gender text, "birthDate" text, "deceasedAt" text, address jsonb)`,
    [JSON.stringify(set.people.map(({ conditions: _c, medications: _m, allergies: _a, ...person }) => person))],
  );
  const rows = (kind: 'conditions' | 'medications' | 'allergies') =>
    JSON.stringify(set.people.flatMap((person) => person[kind].map((coded) => ({ ...coded, patientId: person.id }))));
  const recordset = `AS r(id text, "patientId" uuid, system text, code text, display text, active boolean, "clinicalStatus" text)`;
  await em.execute(
    `INSERT INTO patients.condition (id, patient_id, version, last_updated, resource, code_system, code, display, clinical_status, active)
     SELECT r.id, r."patientId", 1, now(), '{}', r.system, r.code, r.display, r."clinicalStatus", r.active FROM jsonb_to_recordset(?::jsonb) ${recordset}`,
    [rows('conditions')],
  );
  await em.execute(
    `INSERT INTO patients.medication_request (id, patient_id, version, last_updated, resource, code_system, code, display, status, active)
     SELECT r.id, r."patientId", 1, now(), '{}', r.system, r.code, r.display, CASE WHEN r.active THEN 'active' ELSE 'stopped' END, r.active
     FROM jsonb_to_recordset(?::jsonb) ${recordset}`,
    [rows('medications')],
  );
  await em.execute(
    `INSERT INTO patients.allergy_intolerance (id, patient_id, version, last_updated, resource, code_system, code, display, clinical_status)
     SELECT r.id, r."patientId", 1, now(), '{}', r.system, r.code, r.display, r."clinicalStatus" FROM jsonb_to_recordset(?::jsonb) ${recordset}`,
    [rows('allergies')],
  );
}

/**
 * ANALYZE of the tables search reads, as their owner (for the service role ANALYZE is a no-op
 * with a warning): the plans of a database that autovacuum has seen, not those of the minute
 * after a bulk load, when PostgreSQL has no statistics yet.
 */
export async function analyzeNlTables(adminUrl: string): Promise<void> {
  await withClient(adminUrl, (client) =>
    client.query(
      'ANALYZE patients.patient, patients.condition, patients.medication_request, patients.allergy_intolerance',
    ),
  );
}

export interface NlQueryOutcome {
  query: EvaluationQuery;
  found: string[];
  precision: number;
  recall: number;
  f1: number;
  exact: boolean;
  /** Milliseconds for the first page (20 patients), as a clinician's query costs. */
  firstPageMs: number;
  unparsed: string[];
}

/** Every patient a query returns, page by page (100 a page); with `semantic`, its fallback on. */
export async function runNlQueries(
  em: EntityManager,
  set: EvaluationSet,
  queries: EvaluationQuery[] = set.queries,
  semantic?: SemanticMatcher,
): Promise<NlQueryOutcome[]> {
  const vocabulary = new VocabularyCache(60_000);
  const options = {
    dateOrder: 'ISO' as const,
    vocabulary,
    today: set.today,
    // A fallback that failed would measure "off" under the name "on".
    ...(semantic
      ? {
          semantic,
          onSemanticError: (error: unknown) => {
            throw error;
          },
        }
      : {}),
  };
  const outcomes: NlQueryOutcome[] = [];
  for (const query of queries) {
    const started = performance.now();
    const first = await patientSearch(em.fork(), { query: query.query, first: 20 }, options);
    const firstPageMs = performance.now() - started;
    const found = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const { patients } = await patientSearch(em.fork(), { query: query.query, first: 100, after }, options);
      for (const edge of patients.edges) found.add(edge.node.id);
      if (!patients.pageInfo.hasNextPage) break;
      after = patients.pageInfo.endCursor;
    }
    const expected = new Set(query.expected);
    const hits = [...found].filter((id) => expected.has(id)).length;
    const precision = found.size ? hits / found.size : expected.size ? 0 : 1;
    const recall = expected.size ? hits / expected.size : found.size ? 0 : 1;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    outcomes.push({
      query,
      found: [...found],
      precision,
      recall,
      f1,
      exact: hits === expected.size && found.size === expected.size,
      firstPageMs,
      unparsed: first.interpretation.unparsed,
    });
  }
  return outcomes;
}

export interface NlScores {
  queries: number;
  meanF1: number;
  exactMatchRate: number;
  meanPrecision: number;
  meanRecall: number;
}

export function nlScoresOf(outcomes: NlQueryOutcome[]): NlScores {
  const n = outcomes.length || 1;
  const mean = (value: (o: NlQueryOutcome) => number) => outcomes.reduce((sum, o) => sum + value(o), 0) / n;
  return {
    queries: outcomes.length,
    meanF1: mean((o) => o.f1),
    exactMatchRate: mean((o) => (o.exact ? 1 : 0)),
    meanPrecision: mean((o) => o.precision),
    meanRecall: mean((o) => o.recall),
  };
}

/** One run of the set, with the semantic fallback off or on. */
export interface NlModeReport {
  semantic: 'off' | 'on';
  overall: NlScores;
  byKind: Record<string, NlScores>;
  misses: { query: string; kind: string; f1: number; expected: number; found: number; unparsed: string[] }[];
  latency: { p50: number; p95: number };
  /** On: the first query that needed the model (loading it, embedding the anchors), outside the latency figures. */
  firstUseMs: number | null;
}

export interface NlEvaluationReport {
  people: number;
  modes: NlModeReport[];
}

const percentile = (sorted: number[], p: number) => sorted[Math.floor(sorted.length * p)] ?? 0;

/** A query whose words only the semantic fallback reads: it loads the model before the timed run. */
const FIRST_USE_QUERY = 'women with sugar problems';

async function evaluateMode(em: EntityManager, set: EvaluationSet, semantic?: SemanticMatcher): Promise<NlModeReport> {
  let firstUseMs: number | null = null;
  if (semantic) {
    const started = performance.now();
    await runNlQueries(em, set, [{ query: FIRST_USE_QUERY, kind: 'warm-up', expected: [] }], semantic);
    firstUseMs = performance.now() - started;
  }
  await runNlQueries(em, set, set.queries.slice(0, 10), semantic); // warm-up: plans, caches, the parser's libraries
  const outcomes = await runNlQueries(em, set, set.queries, semantic);
  const times = outcomes.map((o) => o.firstPageMs).sort((a, b) => a - b);
  const kinds = [...new Set(set.queries.map((query) => query.kind))];
  return {
    semantic: semantic ? 'on' : 'off',
    overall: nlScoresOf(outcomes),
    byKind: Object.fromEntries(kinds.map((kind) => [kind, nlScoresOf(outcomes.filter((o) => o.query.kind === kind))])),
    misses: outcomes
      .filter((o) => !o.exact)
      .map((o) => ({
        query: o.query.query,
        kind: o.query.kind,
        f1: o.f1,
        expected: o.query.expected.length,
        found: o.found.length,
        unparsed: o.unparsed,
      })),
    latency: { p50: percentile(times, 0.5), p95: percentile(times, 0.95) },
    firstUseMs,
  };
}

/**
 * The set with the fallback off, then on (a fresh SemanticMatcher, whose first use waits for its
 * model however long: the figures are of the fallback, not of a load still under way).
 */
export async function evaluateNl(em: EntityManager, set: EvaluationSet, adminUrl: string): Promise<NlEvaluationReport> {
  await insertNlEvaluationPeople(em, set);
  await analyzeNlTables(adminUrl);
  const off = await evaluateMode(em, set);
  const on = await evaluateMode(em, set, new SemanticMatcher(undefined, { readyWaitMs: Number.POSITIVE_INFINITY }));
  return { people: set.people.length, modes: [off, on] };
}

const fixed = (value: number) => value.toFixed(3);

export function markdownNlReport(report: NlEvaluationReport): string {
  const [first] = report.modes;
  const on = report.modes.find((mode) => mode.semantic === 'on');
  const missesOf = (mode: NlModeReport) =>
    mode.misses
      .map(
        (m) =>
          `"${m.query}" (F1 ${m.f1.toFixed(2)}, ${m.found} found of ${m.expected}${m.unparsed.length ? `, unparsed ${m.unparsed.join(' / ')}` : ''})`,
      )
      .join('; ');
  return [
    `Natural-language search evaluation: ${first?.overall.queries ?? 0} labelled queries over ${report.people} people; patientSearch in-process, first page of 20, semantic fallback off and on${on?.firstUseMs != null ? ` (its first use, loading the model and embedding the anchors: ${on.firstUseMs.toFixed(0)} ms, not in the latencies)` : ''}.`,
    '',
    '| semantic fallback | queries | mean F1 | exact match | precision | recall | p50 | p95 |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...report.modes.map(
      (mode) =>
        `| ${mode.semantic} | ${mode.overall.queries} | ${fixed(mode.overall.meanF1)} | ${fixed(mode.overall.exactMatchRate)} | ${fixed(mode.overall.meanPrecision)} | ${fixed(mode.overall.meanRecall)} | ${mode.latency.p50.toFixed(1)} ms | ${mode.latency.p95.toFixed(1)} ms |`,
    ),
    '',
    `| kind of query | queries | ${report.modes.map((mode) => `F1 (${mode.semantic})`).join(' | ')} | ${report.modes.map((mode) => `exact (${mode.semantic})`).join(' | ')} |`,
    `|---|--:|${report.modes.map(() => '--:').join('|')}|${report.modes.map(() => '--:').join('|')}|`,
    ...Object.keys(first?.byKind ?? {}).map(
      (kind) =>
        `| ${kind} | ${first?.byKind[kind]?.queries} | ${report.modes.map((mode) => fixed(mode.byKind[kind]?.meanF1 ?? 0)).join(' | ')} | ${report.modes.map((mode) => fixed(mode.byKind[kind]?.exactMatchRate ?? 0)).join(' | ')} |`,
    ),
    ...report.modes.flatMap((mode) => [
      '',
      `Not exact, fallback ${mode.semantic} (${mode.misses.length}): ${missesOf(mode)}.`,
    ]),
  ].join('\n');
}

if (isMain(import.meta.url))
  runCli(async () => {
    const { values } = parseArgs({
      options: {
        generate: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        people: { type: 'string' },
      },
    });
    const config = loadSearchEvaluationConfig();
    const log = (line: string) => console.error(`[bench:nl] ${line}`);
    if (values.generate) {
      const set = generateEvaluationSet();
      writeFileSync(SET_FILE, `${JSON.stringify(set)}\n`);
      log(`wrote ${set.people.length} people and ${set.queries.length} queries`);
    }
    const database = await throwawayDatabase(config.DATABASE_URL, log);
    try {
      const scale = values.people ? Number(values.people) : undefined;
      if (scale !== undefined && !(Number.isInteger(scale) && scale >= 500 && scale <= 50_000))
        throw new CliError('--people must be a whole number from 500 to 50000');
      if (scale) log(`generating ${scale} people (not written)…`);
      const set = scale ? generateEvaluationSet(scale) : loadNlEvaluationSet();
      const report = await evaluateNl(database.em, set, database.adminUrl);
      console.log(values.json ? JSON.stringify(report) : markdownNlReport(report));
    } finally {
      await database.close();
    }
    return 0;
  });
