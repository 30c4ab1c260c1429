/**
 * `npm run bench:nl`: natural-language search quality on the labelled evaluation set
 * (evaluation-set.json, written by generate.ts; `-- --generate` writes it again first). Loads its
 * people and their conditions, medications and allergies into a throwaway database (a fresh one
 * on DATABASE_URL's server, or an embedded cluster), runs every query through patientSearch (the
 * resolver's own code, in this process) with the set's day as today, reads every page, and reports
 * mean F1, the exact-match rate (the very set meant) and the latency of a first page (p50, p95).
 * `-- --people N` runs on N people generated in memory (a scale run: the same queries, labels
 * computed for them). `-- --json` prints JSON instead of Markdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { patientSearch } from '../../src/nl-search/patient-search.js';
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
  await em.execute(
    'ANALYZE patients.patient, patients.condition, patients.medication_request, patients.allergy_intolerance',
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

/** Every patient a query returns, page by page (100 a page). */
export async function runNlQueries(
  em: EntityManager,
  set: EvaluationSet,
  queries: EvaluationQuery[] = set.queries,
): Promise<NlQueryOutcome[]> {
  const vocabulary = new VocabularyCache(60_000);
  const options = { dateOrder: 'ISO' as const, vocabulary, today: set.today };
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

export interface NlEvaluationReport {
  people: number;
  overall: NlScores;
  byKind: Record<string, NlScores>;
  misses: { query: string; kind: string; f1: number; expected: number; found: number; unparsed: string[] }[];
  latency: { p50: number; p95: number };
}

export async function evaluateNl(em: EntityManager, set: EvaluationSet): Promise<NlEvaluationReport> {
  await insertNlEvaluationPeople(em, set);
  await runNlQueries(em, set, set.queries.slice(0, 10)); // warm-up: plans, caches, the parser's libraries
  const outcomes = await runNlQueries(em, set);
  const times = outcomes.map((o) => o.firstPageMs).sort((a, b) => a - b);
  const kinds = [...new Set(set.queries.map((query) => query.kind))];
  return {
    people: set.people.length,
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
    latency: { p50: times[Math.floor(times.length / 2)] ?? 0, p95: times[Math.floor(times.length * 0.95)] ?? 0 },
  };
}

const fixed = (value: number) => value.toFixed(3);
const cells = (s: NlScores) =>
  `${s.queries} | ${fixed(s.meanF1)} | ${fixed(s.exactMatchRate)} | ${fixed(s.meanPrecision)} | ${fixed(s.meanRecall)}`;

export function markdownNlReport(report: NlEvaluationReport): string {
  return [
    `Natural-language search evaluation: ${report.overall.queries} labelled queries over ${report.people} people; patientSearch in-process, first page p50 ${report.latency.p50.toFixed(1)} ms, p95 ${report.latency.p95.toFixed(1)} ms.`,
    '',
    '| kind of query | queries | mean F1 | exact match | precision | recall |',
    '|---|--:|--:|--:|--:|--:|',
    `| **all** | ${cells(report.overall)} |`,
    ...Object.entries(report.byKind).map(([kind, scores]) => `| ${kind} | ${cells(scores)} |`),
    '',
    `Not exact (${report.misses.length}): ${report.misses
      .map(
        (m) =>
          `"${m.query}" (F1 ${m.f1.toFixed(2)}, ${m.found} found of ${m.expected}${m.unparsed.length ? `, unparsed ${m.unparsed.join(' / ')}` : ''})`,
      )
      .join('; ')}.`,
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
      const report = await evaluateNl(database.em, set);
      console.log(values.json ? JSON.stringify(report) : markdownNlReport(report));
    } finally {
      await database.close();
    }
    return 0;
  });
