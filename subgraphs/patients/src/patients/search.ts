/**
 * Patient search: the words of a search box, each matched against some part of a patient (a given
 * or family name part, the MRN, an identifier value, the birth date), in any order, and ranked so
 * that the patient meant comes first:
 *
 *   0  the exact full name (every word a name part, and together the whole name)
 *   1  every word exactly a name part (or a transliteration of one: Baeumer for Bäumer)
 *   2  some word the beginning of a name part
 *   3  some word a name part with a typo or two (by the word's length: SEARCH_TUNING)
 *
 * then, within a tier, by what was not exact and by how much of the name no word covered, then by
 * id (stable, so that keyset cursors hold). Names are compared folded: lower case, no accents, no
 * apostrophes or dots, hyphens and other separators between parts (PostgreSQL's search_fold,
 * the one definition both sides use).
 *
 * A search costs two statements: the query's words are looked up in the dictionary of every
 * patient's terms (`search_term`: prefixes, typos), then the patients are found through the GIN
 * index of their terms with the exact terms that lookup returned, and ranked in the same statement.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '@healthsync/orm';
import { isCalendarDate } from './validation.js';

/**
 * How many typos a word may hold, by the length of the longer of the word and the name part it is
 * compared with (a long name typed short, "Muhamad" for Muhammad, is still a long name). Tuned on
 * the labelled evaluation set (scripts/search-evaluation/, subgraphs/patients/README.md, "Search and lists"): shorter
 * words with a typo match too many other names, longer ones without two are missed.
 */
export interface SearchTuning {
  /** Words of at least this many letters may hold one typo. */
  oneTypoFrom: number;
  /** Words of at least this many letters may hold two. */
  twoTyposFrom: number;
}
export const SEARCH_TUNING: SearchTuning = { oneTypoFrom: 4, twoTyposFrom: 8 };

/** How a search reads a slashed or dotted date: ISO only when it is ambiguous, or day or month first. */
export const DATE_ORDERS = ['ISO', 'DMY', 'MDY'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export const MAX_SEARCH_WORDS = 6;

/** What a search box holds, read as words. */
export interface SearchQuery {
  /** Words matched against name parts (letters only; a hyphenated word is two). */
  names: string[];
  /** Words with a digit: the beginning of an MRN or an identifier value. */
  identifiers: string[];
  /** Birth dates, YYYY-MM-DD. */
  birthDates: string[];
}

const HYPHENS = /[\s_/,;:()‐‑‒–—-]+/u;
const DROPPED = /['’ʼ`´.]/gu;
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const OTHER_DATE = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/;
const pad = (value: string) => value.padStart(2, '0');

/** A date word as YYYY-MM-DD, undefined when the word is no date; BAD_USER_INPUT when it is an impossible or ambiguous one. */
function dateOf(word: string, order: DateOrder): string | undefined {
  const iso = ISO_DATE.exec(word);
  const other = iso ? undefined : OTHER_DATE.exec(word);
  if (!iso && !other) return undefined;
  const invalid = () =>
    new BadUserInputError(`filter.search: "${word}" is not a date (write it as YYYY-MM-DD)`, 'filter.search');
  if (iso) {
    const date = `${iso[1]}-${pad(iso[2]!)}-${pad(iso[3]!)}`;
    if (!isCalendarDate(date)) throw invalid();
    return date;
  }
  const [, first, second, year] = other as RegExpExecArray;
  const dayFirst = `${year}-${pad(second!)}-${pad(first!)}`;
  const monthFirst = `${year}-${pad(first!)}-${pad(second!)}`;
  if (order !== 'ISO') {
    const date = order === 'DMY' ? dayFirst : monthFirst;
    if (!isCalendarDate(date)) throw invalid();
    return date;
  }
  const readings = [...new Set([dayFirst, monthFirst].filter(isCalendarDate))];
  if (readings.length === 0) throw invalid();
  if (readings.length > 1)
    throw new BadUserInputError(
      `filter.search: "${word}" could be ${readings[0]} or ${readings[1]}; write the date as YYYY-MM-DD`,
      'filter.search',
    );
  return readings[0];
}

/** Splits a search into its words. BAD_USER_INPUT for an impossible or ambiguous date, or too many words. */
export function parseSearch(text: string, dateOrder: DateOrder = 'ISO'): SearchQuery {
  const query: SearchQuery = { names: [], identifiers: [], birthDates: [] };
  const words = text.trim().split(/\s+/u).filter(Boolean);
  for (const word of words) {
    const date = dateOf(word, dateOrder);
    if (date) query.birthDates.push(date);
    else if (/\d/u.test(word)) query.identifiers.push(word);
    else query.names.push(...word.replace(DROPPED, '').split(HYPHENS).filter(Boolean));
  }
  const count = query.names.length + query.identifiers.length + query.birthDates.length;
  if (count > MAX_SEARCH_WORDS)
    throw new BadUserInputError(`filter.search must have at most ${MAX_SEARCH_WORDS} words`, 'filter.search');
  return query;
}

/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions as one edit: "smiht"
 * is one typo from "smith"), or `limit + 1` as soon as it must exceed `limit`.
 */
export function typoDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit + 1);
}

/** Typos a folded word may hold when compared with `term`. */
export function typosAllowed(word: string, term: string, tuning: SearchTuning): number {
  const letters = Math.max(word.length, term.length);
  if (letters >= tuning.twoTyposFrom) return 2;
  return letters >= tuning.oneTypoFrom ? 1 : 0;
}

/** What a match of one word costs in the ranking, by kind (the tiers follow from the largest). */
const COST = { exact: 0, transliteration: 1, prefix: 10, typo: 100 } as const;
/** A query whose two adjacent words match one joined part ("van dijk" for Vandijk) ranks after the exact spelling. */
const JOIN_COST = 1;

/** The terms one word matches, by kind, as the dictionary lookup found them. */
interface WordMatches {
  /** The word folded (search_fold). */
  word: string;
  classes: { cost: number; terms: string[] }[];
  all: string[];
}

/** One way to read the name words: each word alone, or two adjacent ones joined. */
interface Reading {
  words: WordMatches[];
  cost: number;
  /** Letters of the words, to tell the whole name from a part of it. */
  letters: number;
}

/** A search ready for SQL: the WHERE condition that finds the matches, and their relevance. */
export interface SearchPlan {
  /** False when some word matches nothing: no patient can match, no statement is needed. */
  possible: boolean;
  /** SQL condition on `p` (index-backed), with its parameters. */
  where: { sql: string; params: unknown[] };
  /** `FROM`-clause suffix computing each word's cost for `p` (a LATERAL named `c`), with its parameters. */
  lateral: { sql: string; params: unknown[] };
  /** SQL of the relevance (lower is better) from `p` and `c`, with its parameters. */
  relevance: { sql: string; params: unknown[] };
  /** Identifies the search in a cursor: a cursor of another search is refused. */
  fingerprint: string;
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A text[] parameter as PostgreSQL's array literal: the driver binding would spread a JavaScript
 * array into one parameter per element.
 */
export const textArray = (values: string[]) =>
  `{${values.map((value) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;

/** Looks the name words (and joined pairs of them) up in the dictionary of terms: one statement. */
async function lookUpWords(
  em: EntityManager,
  words: string[],
  tuning: SearchTuning,
): Promise<Map<string, WordMatches>> {
  const rows = await em.execute<{ raw: string; word: string; variant: string; term: string | null }[]>(
    // Each word folded once (MATERIALIZED): inlined, the folding would run again for every term compared.
    `WITH f AS MATERIALIZED (
       SELECT w.raw, patients.search_fold(w.raw) AS word, patients.search_transliterate(w.raw) AS variant
       FROM unnest(?::text[]) AS w(raw)
     ), k AS MATERIALIZED (
       -- At most this many typos: a term up to two letters longer may allow more than the word.
       SELECT f.*, CASE WHEN length(f.word) + 2 >= ?::int THEN 2 WHEN length(f.word) + 1 >= ?::int THEN 1 ELSE 0 END AS typos,
         length(f.word) AS letters
       FROM f
     )
     SELECT k.raw, k.word, k.variant, t.term
     FROM k
     LEFT JOIN LATERAL (
       SELECT s.term FROM patients.search_term s
       WHERE s.term IN (k.word, k.variant, '~' || k.word, '~' || k.variant)
       UNION
       SELECT s.term FROM patients.search_term s
       WHERE k.word <> '' AND s.term ~>=~ k.word AND s.term ~<~ (k.word || chr(1114111))
       UNION
       SELECT s.term FROM patients.search_term s
       WHERE k.typos > 0 AND s.term NOT LIKE '~%'
         AND length(s.term) BETWEEN k.letters - k.typos AND k.letters + k.typos
         AND public.levenshtein_less_equal(s.term, k.word, k.typos + 1) <= k.typos + 1
     ) t ON true`,
    [textArray([...new Set(words)]), tuning.twoTyposFrom, tuning.oneTypoFrom],
  );
  const byRaw = new Map<string, { word: string; variant: string; terms: Set<string> }>();
  for (const row of rows) {
    const entry = byRaw.get(row.raw) ?? { word: row.word, variant: row.variant, terms: new Set<string>() };
    if (row.term !== null) entry.terms.add(row.term);
    byRaw.set(row.raw, entry);
  }
  const matches = new Map<string, WordMatches>();
  for (const [raw, { word, variant, terms }] of byRaw) {
    const costOf = new Map<string, number>();
    const offer = (term: string, cost: number) => {
      if (terms.has(term) && cost < (costOf.get(term) ?? Number.POSITIVE_INFINITY)) costOf.set(term, cost);
    };
    offer(word, COST.exact);
    for (const term of [variant, `~${word}`, `~${variant}`]) if (term !== word) offer(term, COST.transliteration);
    for (const term of terms) {
      if (term.startsWith('~')) continue;
      if (term.startsWith(word)) offer(term, COST.prefix);
      const typos = typosAllowed(word, term, tuning);
      const distance = typos ? typoDistance(word, term, typos) : 1;
      if (distance <= typos) offer(term, COST.typo * distance);
    }
    const byCost = new Map<number, string[]>();
    for (const [term, cost] of costOf) byCost.set(cost, [...(byCost.get(cost) ?? []), term]);
    const classes = [...byCost].sort(([a], [b]) => a - b).map(([cost, list]) => ({ cost, terms: list.sort() }));
    matches.set(raw, { word, classes, all: [...costOf.keys()].sort() });
  }
  return matches;
}

/**
 * `match` without the name parts other words of the same reading match exactly, unless it matches
 * them exactly itself: in "m Mühler", m is not the beginning of Mühler, which its own word already
 * is (so Jon Mühler does not match; Marian Mühler does).
 */
function withoutPartsOfOthers(match: WordMatches, others: WordMatches[]): WordMatches {
  const taken = new Set(
    others.flatMap((other) => other.classes.filter((c) => c.cost === COST.exact).flatMap((c) => c.terms)),
  );
  const classes = match.classes
    .map((item) =>
      item.cost === COST.exact ? item : { ...item, terms: item.terms.filter((term) => !taken.has(term)) },
    )
    .filter((item) => item.terms.length > 0);
  if (classes.length === match.classes.length && classes.every((item, i) => item.terms === match.classes[i]!.terms))
    return match;
  return { word: match.word, classes, all: classes.flatMap((item) => item.terms).sort() };
}

/** The readings of the name words: all of them alone, and each adjacent pair joined. */
function readingsOf(names: string[], matches: Map<string, WordMatches>): Reading[] {
  const readings: Reading[] = [];
  if (names.length === 0) return readings;
  const reading = (words: string[], cost: number) => {
    const found = words.map((raw) => matches.get(raw));
    if (found.some((match) => !match)) return;
    const list = (found as WordMatches[]).map((match, i, all) =>
      withoutPartsOfOthers(
        match,
        all.filter((_, j) => j !== i),
      ),
    );
    if (list.some((match) => match.all.length === 0)) return;
    readings.push({ words: list, cost, letters: list.reduce((sum, match) => sum + match.word.length, 0) });
  };
  reading(names, 0);
  for (let i = 0; i + 1 < names.length; i++)
    reading([...names.slice(0, i), `${names[i]}${names[i + 1]}`, ...names.slice(i + 2)], JOIN_COST);
  return readings;
}

const TIER = 1_000_000;
const COST_UNIT = 1_000;
const MAX_UNCOVERED = 999;

/**
 * Plans a search: looks its name words up (one statement) and builds the SQL that finds and ranks
 * the patients. `tuning` is for the evaluation only.
 */
export async function planSearch(
  em: EntityManager,
  query: SearchQuery,
  tuning: SearchTuning = SEARCH_TUNING,
): Promise<SearchPlan> {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([query, tuning]))
    .digest('base64url')
    .slice(0, 12);
  const { names, identifiers, birthDates } = query;
  const joined = names.slice(1).map((name, i) => `${names[i]}${name}`);
  const matches = names.length ? await lookUpWords(em, [...names, ...joined], tuning) : new Map();
  const readings = readingsOf(names, matches);
  const impossible: SearchPlan = {
    possible: false,
    where: { sql: 'false', params: [] },
    lateral: { sql: '', params: [] },
    relevance: { sql: '0', params: [] },
    fingerprint,
  };
  // A search of punctuation only names nothing; a word that matches no name part, no patient.
  if (names.length + identifiers.length + birthDates.length === 0) return impossible;
  if (names.length && readings.length === 0) return impossible;

  // Each distinct word's cost for a patient, computed once per row (the LATERAL `c`); words of
  // several readings with the same terms share a column.
  const keyOf = (match: WordMatches) => JSON.stringify(match.classes);
  const distinct = new Map(readings.flatMap((r) => r.words).map((match) => [keyOf(match), match]));
  const words = [...distinct.values()];
  const columnOf = new Map([...distinct.keys()].map((key, i) => [key, `w${i}`]));
  const column = { get: (match: WordMatches) => columnOf.get(keyOf(match)) };
  const costs: string[] = [];
  const lateralParams: unknown[] = [];
  for (const match of words) {
    const arms = match.classes.map((item) => {
      lateralParams.push(textArray(item.terms));
      return `WHEN p.search_terms && ?::text[] THEN ${item.cost}`;
    });
    costs.push(`CASE ${arms.join(' ')} END AS ${column.get(match)}`);
  }
  identifiers.forEach((identifier, i) => {
    lateralParams.push(identifier.toUpperCase(), identifier.toLowerCase());
    costs.push(
      `CASE WHEN p.mrn = ? OR p.id = ANY (ARRAY(SELECT i.patient_id FROM patients.patient_identifier i WHERE lower(i.value) = ?)) THEN ${COST.exact} ELSE ${COST.prefix} END AS d${i}`,
    );
  });
  const lateral = costs.length ? ` CROSS JOIN LATERAL (SELECT ${costs.join(', ')} OFFSET 0) c` : '';

  // Relevance of each reading; the patient's is the best one.
  const identifierCosts = identifiers.map((_, i) => `c.d${i}`);
  const scoreOf = (reading: Reading | undefined) => {
    const parts = [...(reading?.words.map((match) => `c.${column.get(match)}`) ?? []), ...identifierCosts];
    const sum = parts.length ? parts.join(' + ') : '0';
    const largest = parts.length ? `GREATEST(${parts.join(', ')})` : '0';
    const whole = reading ? `${largest} = 0 AND p.search_name_length = ${reading.letters}` : 'false';
    const tier = `CASE WHEN ${largest} >= ${COST.typo} THEN 3 WHEN ${largest} >= ${COST.prefix} THEN 2 WHEN ${whole} THEN 0 ELSE 1 END`;
    const uncovered = reading ? `LEAST(abs(p.search_name_length - ${reading.letters}), ${MAX_UNCOVERED})` : '0';
    return `(${tier}) * ${TIER} + (${sum} + ${reading?.cost ?? 0}) * ${COST_UNIT} + ${uncovered}`;
  };
  const relevance = readings.length ? `LEAST(${readings.map(scoreOf).join(', ')})` : scoreOf(undefined);

  // Which patients match: every word of some reading (through the GIN index of terms), every
  // identifier word (MRN and identifier prefix indexes), every date.
  const conditions: string[] = [];
  const whereParams: unknown[] = [];
  if (readings.length) {
    const alternatives = readings.map(
      (reading) =>
        `(${reading.words
          .map((match) => {
            whereParams.push(textArray(match.all));
            return 'p.search_terms && ?::text[]';
          })
          .join(' AND ')})`,
    );
    conditions.push(`(${alternatives.join(' OR ')})`);
  }
  for (const identifier of identifiers) {
    // `= ANY (ARRAY(…))` rather than `IN (SELECT …)`: a subquery inside OR becomes a per-row
    // filter, which stops PostgreSQL from combining the MRN and primary-key indexes (BitmapOr).
    conditions.push(
      '(p.mrn LIKE ? OR p.id = ANY (ARRAY(SELECT i.patient_id FROM patients.patient_identifier i WHERE lower(i.value) LIKE ?)))',
    );
    whereParams.push(`${escapeLike(identifier.toUpperCase())}%`, `${escapeLike(identifier.toLowerCase())}%`);
  }
  for (const date of birthDates) {
    // The expression of the birth-date sort index, so that a date alone is an index lookup.
    conditions.push(`coalesce(p.birth_date, 'infinity'::date) = ?::date`);
    whereParams.push(date);
  }
  return {
    possible: true,
    where: { sql: conditions.join(' AND '), params: whereParams },
    lateral: { sql: lateral, params: lateralParams },
    relevance: { sql: relevance, params: [] },
    fingerprint,
  };
}
