/**
 * `patientSearch(query)`: a query in plain words read into a filter (parse.ts), shown back as the
 * SearchInterpretation, and run as the patient list's SQL (src/patients/list.ts) on indexed
 * columns: the name through the word search, ages as a birth-date range counted on the day of the
 * query, places on the address, conditions, medications and allergies as EXISTS on their code.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '@healthsync/orm';
import type { CodingValue } from '../clinical/entities.js';
import { sqlArray } from '../clinical/sql-array.js';
import {
  listPatients,
  MAX_PAGE_SIZE,
  type PatientListFilter,
  type PatientPage,
  type SearchOptions,
} from '../patients/list.js';
import { hasControlCharacters } from '../patients/validation.js';
import type { ClinicalKind } from './clinical-terms.js';
import { candidateNameWords, type Interpretation, interpret, readWords, semanticCandidates } from './parse.js';
import type { SemanticMatcher } from './semantic.js';
import { foldPlace, type VocabularyCache } from './vocabulary.js';

export const MAX_QUERY_LENGTH = 200;

/** SearchInterpretation as GraphQL shows it: the clinical groups as flat lists of codings. */
export interface SearchInterpretationView extends Omit<Interpretation, 'clinical'> {
  conditions: CodingValue[];
  medications: CodingValue[];
  allergies: CodingValue[];
}

export interface PatientSearchResult {
  interpretation: SearchInterpretationView;
  patients: PatientPage;
}

export interface PatientSearchArgs {
  query: string;
  first: number;
  after?: string | null;
}

export interface PatientSearchOptions extends SearchOptions {
  vocabulary: VocabularyCache;
  /** The day ages are counted on (YYYY-MM-DD); today (UTC) by default. The evaluation fixes it. */
  today?: string;
  /** The semantic fallback of clinical words (NL_SEARCH_SEMANTIC=on); without it, text and synonyms only. */
  semantic?: SemanticMatcher;
  /** The fallback failed (its model did not load): the query is answered without it. */
  onSemanticError?: (error: unknown) => void;
}

/** The folded words of `words` that are a name part of some patient. */
async function nameTermsOf(em: EntityManager, words: string[]): Promise<Set<string>> {
  if (!words.length) return new Set();
  const rows = await em.execute<{ term: string }[]>(
    'SELECT term FROM patients.search_term WHERE term = ANY(?::text[])',
    [sqlArray(words)],
  );
  return new Set(rows.map((row) => row.term));
}

function minusYears(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const year = y - years;
  // 29 February of a year that has none: 28 February (a leap-day birthday's age turns on 1 March).
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

const nextDay = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
};

/**
 * The birth dates an interpretation allows: its born range and its ages on `today` together. Aged
 * at least A: born on or before today minus A years; at most B: born after today minus B+1 years.
 */
export function birthDateRange(
  interpretation: Interpretation,
  today: string,
): { from: string | null; to: string | null } {
  let from = interpretation.bornFrom;
  let to = interpretation.bornTo;
  if (interpretation.ageFrom !== null) {
    const latest = minusYears(today, interpretation.ageFrom);
    if (!to || latest < to) to = latest;
  }
  if (interpretation.ageTo !== null) {
    const earliest = nextDay(minusYears(today, interpretation.ageTo + 1));
    if (!from || earliest > from) from = earliest;
  }
  return { from, to };
}

const codesOf = (interpretation: Interpretation, kind: ClinicalKind) =>
  interpretation.clinical.filter((group) => group.kind === kind).map((group) => group.concepts.map((c) => c.code));

/** The patient list's filter of an interpretation; null when no patient can match it. */
export function filterOf(
  interpretation: Interpretation,
  today: string,
  states: string[] | null,
): PatientListFilter | null {
  const born = birthDateRange(interpretation, today);
  if ((born.from && born.to && born.from > born.to) || (born.from && born.from > today)) return null;
  const understood =
    interpretation.name ||
    interpretation.gender ||
    born.from ||
    born.to ||
    interpretation.city ||
    interpretation.state ||
    interpretation.postalCode ||
    interpretation.deceased !== null ||
    interpretation.clinical.length;
  // Nothing understood but words that were not: listing everyone would answer another question.
  if (!understood && interpretation.unparsed.length) return null;
  return {
    search: interpretation.name,
    gender: interpretation.gender,
    birthDateFrom: born.from,
    birthDateTo: born.to,
    deceased: interpretation.deceased,
    city: interpretation.city ? foldPlace(interpretation.city) : null,
    states,
    postalCode: interpretation.postalCode,
    coded: {
      conditions: codesOf(interpretation, 'condition'),
      medications: codesOf(interpretation, 'medication'),
      allergies: codesOf(interpretation, 'allergy'),
    },
  };
}

function view(interpretation: Interpretation): SearchInterpretationView {
  const { clinical, ...rest } = interpretation;
  const codings = (kind: ClinicalKind) => {
    const seen = new Set<string>();
    return clinical
      .filter((group) => group.kind === kind)
      .flatMap((group) => group.concepts)
      .filter(
        (concept) => !seen.has(`${concept.system}|${concept.code}`) && seen.add(`${concept.system}|${concept.code}`),
      )
      .map(({ system, code, display }) => ({ system, code, display }));
  };
  return {
    ...rest,
    conditions: codings('condition'),
    medications: codings('medication'),
    allergies: codings('allergy'),
  };
}

export function validateQuery(query: string): string {
  const text = query.trim();
  if (!text) throw new BadUserInputError('query must not be empty', 'query');
  if (text.length > MAX_QUERY_LENGTH)
    throw new BadUserInputError(`query must be at most ${MAX_QUERY_LENGTH} characters`, 'query');
  if (hasControlCharacters(text)) throw new BadUserInputError('query must not contain control characters', 'query');
  return text;
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

/** The parse, with the semantic fallback's answers for the words no rule read when it is on. */
async function interpretQuery(
  query: string,
  context: Parameters<typeof interpret>[1],
  options: PatientSearchOptions,
): Promise<Interpretation> {
  if (!options.semantic) return interpret(query, context);
  const { interpretation, candidates } = semanticCandidates(query, context);
  if (!candidates.length) return interpretation;
  try {
    const semantic = await options.semantic.resolver(context.vocabulary.clinical, candidates);
    return interpret(query, { ...context, semantic });
  } catch (error) {
    options.onSemanticError?.(error);
    return interpretation;
  }
}

/** Reads `query` and lists the patients it means, page by page (FAMILY_NAME order, or RELEVANCE with a name). */
export async function patientSearch(
  em: EntityManager,
  args: PatientSearchArgs,
  options: PatientSearchOptions,
): Promise<PatientSearchResult> {
  const query = validateQuery(args.query);
  const today = options.today ?? todayUtc();
  const words = readWords(query);
  const [vocabulary, nameTerms] = await Promise.all([
    options.vocabulary.get(em),
    nameTermsOf(em, candidateNameWords(words)),
  ]);
  const interpretation = await interpretQuery(query, { vocabulary, nameTerms, today, words }, options);
  const states = interpretation.state ? (vocabulary.places.states.get(foldPlace(interpretation.state)) ?? null) : null;
  const filter = filterOf(interpretation, today, states);
  const order = {
    field: interpretation.name ? ('RELEVANCE' as const) : ('FAMILY_NAME' as const),
    direction: 'ASC' as const,
  };
  if (!filter) {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE)
      throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
    const none: PatientPage = {
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
      filter: {},
      matchCount: 0,
    };
    return { interpretation: view(interpretation), patients: none };
  }
  const patients = await listPatients(
    em,
    { filter, first: args.first, after: args.after ?? null, orderBy: order },
    options,
  );
  return { interpretation: view(interpretation), patients };
}
