/**
 * `npm run bench:duplicates`: duplicate detection on the labelled pairs of pairs.ts. Loads the
 * population into a throwaway database (a fresh one on DATABASE_URL's server, or an embedded
 * cluster), asks duplicateCandidates (the resolver's own code) about each pair's probe record,
 * and reports precision and recall at a grid of scores (the recommended one, LIKELY_DUPLICATE,
 * marked), recall by kind of duplicate, how often each kind of look-alike is flagged, and the
 * candidate search's latency. `-- --size 100000` then grows the population to that many patients
 * and measures the latency again (p50/p95 of `--probes` searches). `-- --seed N` draws another set
 * (the weights were chosen on the default, 17; another seed is a held-out check). `-- --json`
 * prints JSON.
 */
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Patient } from '../../src/entities.js';
import {
  blockingStatement,
  duplicateCandidates,
  LIKELY_DUPLICATE,
  MAX_CANDIDATES,
} from '../../src/patients/duplicates.js';
import { isMain, loadSearchEvaluationConfig, runCli } from '../environment.js';
import { throwawayDatabase } from '../search-evaluation/evaluate.js';
import { type DuplicateSet, generateDuplicateSet, insertDuplicatePeople, type LabelledPair } from './pairs.js';

export const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

/** What duplicateCandidates said about one probe: each candidate's key and score. */
export interface ProbeOutcome {
  pair: LabelledPair;
  candidates: { key: string; score: number }[];
  ms: number;
}

export async function runProbes(
  em: EntityManager,
  ids: Map<string, string>,
  pairs: LabelledPair[],
): Promise<ProbeOutcome[]> {
  const keyOf = new Map([...ids].map(([key, id]) => [id, key]));
  const outcomes: ProbeOutcome[] = [];
  for (const pair of pairs) {
    const fork = em.fork();
    const started = performance.now();
    const subject = await fork.findOneOrFail(Patient, { id: ids.get(pair.probe)! });
    const found = await duplicateCandidates(fork, subject, MAX_CANDIDATES);
    const ms = performance.now() - started;
    outcomes.push({
      pair,
      ms,
      candidates: found.map((candidate) => ({ key: keyOf.get(candidate.patient.id) ?? '?', score: candidate.score })),
    });
  }
  return outcomes;
}

export interface Scores {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
}

/**
 * At `threshold`: a labelled duplicate found at or above it is a true positive; every other
 * candidate at or above it (a look-alike, or anyone else of the population) a false positive.
 */
export function scoresAt(outcomes: ProbeOutcome[], threshold: number): Scores {
  let truePositives = 0;
  let falsePositives = 0;
  for (const { pair, candidates } of outcomes)
    for (const candidate of candidates) {
      if (candidate.score < threshold) continue;
      if (pair.same && candidate.key === pair.other) truePositives++;
      else falsePositives++;
    }
  const duplicates = outcomes.filter((outcome) => outcome.pair.same).length;
  const precision = truePositives + falsePositives ? truePositives / (truePositives + falsePositives) : 1;
  const recall = duplicates ? truePositives / duplicates : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, precision, recall, f1, truePositives, falsePositives };
}

/** Per kind: how many of its pairs scored the other record at or above `threshold`. */
export function flaggedByKind(outcomes: ProbeOutcome[], threshold: number) {
  const kinds = new Map<string, { same: boolean; pairs: number; flagged: number; first: number }>();
  for (const { pair, candidates } of outcomes) {
    const entry = kinds.get(pair.kind) ?? { same: pair.same, pairs: 0, flagged: 0, first: 0 };
    const other = candidates.find((candidate) => candidate.key === pair.other);
    entry.pairs++;
    if (other && other.score >= threshold) entry.flagged++;
    if (candidates[0]?.key === pair.other) entry.first++;
    kinds.set(pair.kind, entry);
  }
  return [...kinds].map(([kind, entry]) => ({ kind, ...entry }));
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const latencyOf = (outcomes: ProbeOutcome[]) => {
  const times = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  return { searches: times.length, p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
};

export async function evaluate(em: EntityManager, set: DuplicateSet, seed: number) {
  const ids = await insertDuplicatePeople(em, set.people);
  await runProbes(em, ids, set.pairs.slice(0, 20)); // warm-up: plans, caches
  const outcomes = await runProbes(em, ids, set.pairs);
  return {
    seed,
    people: set.people.length,
    pairs: set.pairs.length,
    recommended: LIKELY_DUPLICATE,
    grid: THRESHOLDS.map((threshold) => scoresAt(outcomes, threshold)),
    byKind: flaggedByKind(outcomes, LIKELY_DUPLICATE),
    latency: latencyOf(outcomes),
    ids,
  };
}

/** Grows the population to `size` patients (more of the same faker people), then times `probes` searches. */
async function latencyAtSize(
  em: EntityManager,
  set: DuplicateSet,
  ids: Map<string, string>,
  size: number,
  probes: number,
) {
  const missing = size - set.people.length;
  for (let done = 0, chunk = 0; done < missing; done += 10_000, chunk++) {
    const more = generateDuplicateSet({
      seed: 1000 + chunk,
      pairsPerKind: 0,
      background: Math.min(10_000, missing - done),
    });
    for (const person of more.people) person.key = `bg${chunk}-${person.key}`;
    for (const [key, id] of await insertDuplicatePeople(em, more.people)) ids.set(key, id);
  }
  await em.execute('ANALYZE patients.patient');
  const pairs = set.pairs.slice(0, probes);
  await runProbes(em, ids, pairs.slice(0, 20));
  const search = latencyOf(await runProbes(em, ids, pairs));
  // What PostgreSQL itself spends on the blocking statement (EXPLAIN ANALYZE's execution time).
  const database: number[] = [];
  for (const pair of pairs) {
    const subject = await em.fork().findOneOrFail(Patient, { id: ids.get(pair.probe)! });
    const { sql, params } = blockingStatement(subject);
    const [plan] = await em.execute<{ 'QUERY PLAN': [{ 'Execution Time': number }] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    database.push(plan!['QUERY PLAN'][0]['Execution Time']);
  }
  database.sort((a, b) => a - b);
  return {
    patients: size,
    ...search,
    statementP50: percentile(database, 0.5),
    statementP95: percentile(database, 0.95),
  };
}

const fixed = (value: number) => value.toFixed(3);

export function markdownReport(report: Awaited<ReturnType<typeof evaluate>>, atSize?: Record<string, number>): string {
  const lines = [
    `Duplicate evaluation (seed ${report.seed}): ${report.pairs} labelled pairs among ${report.people.toLocaleString('en')} people; candidate search in-process p50 ${report.latency.p50.toFixed(1)} ms, p95 ${report.latency.p95.toFixed(1)} ms.`,
    '',
    '| score ≥ | precision | recall | F1 | true positives | false positives |',
    '|--:|--:|--:|--:|--:|--:|',
    ...report.grid.map(
      (s) =>
        `| ${s.threshold === report.recommended ? `**${s.threshold}** (recommended)` : s.threshold} | ${fixed(s.precision)} | ${fixed(s.recall)} | ${fixed(s.f1)} | ${s.truePositives} | ${s.falsePositives} |`,
    ),
    '',
    `By kind, at ${report.recommended}:`,
    '',
    '| kind | pairs | one person? | scored ≥ threshold | ranked first |',
    '|---|--:|---|--:|--:|',
    ...report.byKind.map(
      (k) => `| ${k.kind} | ${k.pairs} | ${k.same ? 'yes' : 'no (look-alike)'} | ${k.flagged} | ${k.first} |`,
    ),
  ];
  if (atSize)
    lines.push(
      '',
      `At ${atSize.patients!.toLocaleString('en')} patients: ${atSize.searches} candidate searches, p50 ${atSize.p50!.toFixed(1)} ms, p95 ${atSize.p95!.toFixed(1)} ms; the blocking statement in PostgreSQL (EXPLAIN ANALYZE) p50 ${atSize.statementP50!.toFixed(2)} ms, p95 ${atSize.statementP95!.toFixed(2)} ms.`,
    );
  return lines.join('\n');
}

if (isMain(import.meta.url))
  runCli(async () => {
    const { values } = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        size: { type: 'string' },
        probes: { type: 'string', default: '300' },
        seed: { type: 'string', default: '17' },
      },
    });
    const config = loadSearchEvaluationConfig();
    const log = (line: string) => console.error(`[bench:duplicates] ${line}`);
    const database = await throwawayDatabase(config.DATABASE_URL, log);
    try {
      const set = generateDuplicateSet({ seed: Number(values.seed) });
      const report = await evaluate(database.em, set, Number(values.seed));
      const size = values.size ? Number(values.size) : undefined;
      if (size !== undefined && !(Number.isInteger(size) && size > set.people.length))
        throw new Error(`--size must be a whole number above ${set.people.length}`);
      const atSize = size ? await latencyAtSize(database.em, set, report.ids, size, Number(values.probes)) : undefined;
      const { ids: _ids, ...printable } = report;
      console.log(values.json ? JSON.stringify({ ...printable, atSize }) : markdownReport(report, atSize));
    } finally {
      await database.close();
    }
    return 0;
  });
