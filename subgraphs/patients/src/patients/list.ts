/**
 * Patient lists: filters, search (src/patients/search.ts) and keyset pagination in one SQL
 * statement (a search first looks its words up, one more); the total count is a separate, bounded
 * statement (`countPatients`) that runs only when a client asks for it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, isUuid } from '@healthsync/orm';
import { plainRowMapper } from '@healthsync/orm/database';
import { activeConditionClause, validateConditionFilter } from '../clinical/condition-filter.js';
import { sqlArray } from '../clinical/sql-array.js';
import { type Gender, Patient } from '../entities.js';
import { type DateOrder, parseSearch, planSearch, type SearchPlan, type SearchTuning } from './search.js';
import { hasControlCharacters, isCalendarDate, isUtcTimestamp } from './validation.js';

export const MAX_PAGE_SIZE = 100;
const MAX_SEARCH_LENGTH = 100;
/**
 * `totalCount` is exact up to this many matches; beyond it, the planner's estimate. Counting every
 * match of a large result would cost a scan of all of them on every page (FHIR's `_total=estimate`).
 */
export const EXACT_COUNT_LIMIT = 1000;

export const ORDER_FIELDS = ['RELEVANCE', 'FAMILY_NAME', 'BIRTH_DATE', 'CREATED_AT', 'UPDATED_AT'] as const;
const ORDER_DIRECTIONS = ['ASC', 'DESC'] as const;
export type PatientOrderField = (typeof ORDER_FIELDS)[number];
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export interface PatientListFilter {
  search?: string | null;
  gender?: Gender | null;
  birthDateFrom?: string | null;
  birthDateTo?: string | null;
  includeInactive?: boolean | null;
  /** Only patients this user created (User.patientsCreated). */
  createdById?: string | null;
  /** Only patients with an active condition of this code or display text (src/clinical/condition-filter.ts). */
  condition?: string | null;
  /** What a natural-language search adds (src/nl-search/): see `clinicalClauses` and `placeClauses`. */
  coded?: CodedFilter;
  /** Alive (false) or deceased (true). */
  deceased?: boolean | null;
  /** Folded city name (search_normalize), as patientSearch read it. */
  city?: string | null;
  /** Folded spellings of one state ("ma", "massachusetts"). */
  states?: string[] | null;
  /** The first five digits of the postal code. */
  postalCode?: string | null;
}

/** Per kind, groups of codes: a patient has one code of every group (each an active record). */
export interface CodedFilter {
  conditions: string[][];
  medications: string[][];
  allergies: string[][];
}

/** Where each kind is and what "active" means there; each is served by a partial index on (code). */
const CODED_TABLES = {
  conditions: 'patients.condition x WHERE x.patient_id = p.id AND x.active',
  medications: 'patients.medication_request x WHERE x.patient_id = p.id AND x.active',
  allergies: `patients.allergy_intolerance x WHERE x.patient_id = p.id AND (x.clinical_status IS NULL OR x.clinical_status = 'active')`,
} as const;

export interface PatientListArgs {
  filter: PatientListFilter;
  first: number;
  after?: string | null;
  /** Unset field: RELEVANCE with a search, CREATED_AT without. */
  orderBy: { field?: PatientOrderField | null; direction: OrderDirection };
}

/** How searches are read: the service's settings, and the evaluation's tuning. */
export interface SearchOptions {
  dateOrder: DateOrder;
  tuning?: SearchTuning;
}

/** What `patients` resolves to; `totalCount` is resolved from `filter` (and `search`) on demand. */
export interface PatientPage {
  edges: { cursor: string; node: Patient }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  filter: PatientListFilter;
  /** The search's plan, when there is a search: the count reuses it. */
  search?: SearchPlan;
  /**
   * How many match, when the page statement tells (matchCountOf): the first page of a search, a
   * first page that is not full, a list whose caller asked for totalCount (at most
   * EXACT_COUNT_LIMIT).
   */
  matchCount?: number;
  /** The page query counted more than EXACT_COUNT_LIMIT matches: totalCount is the estimate. */
  manyMatches?: boolean;
}

interface SortKey {
  /** The column of the matches the key is made of. */
  column: string;
  /** SQL of the sort expression (its index exists, see the migration). */
  expression: string;
  /** SQL turning the expression into the cursor's text, exactly (timestamps keep microseconds). */
  asText: string;
  cast: string;
  valid: (key: string) => boolean;
}

const timestamp = (column: string): SortKey => ({
  column,
  expression: `p.${column}`,
  asText: `to_char(p.${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  cast: 'timestamptz',
  // Stryker disable next-line Regex: without its $ the pattern still needs the Z right after six digits, and isUtcTimestamp ends the string at that Z
  valid: (key) => /\.\d{6}Z$/.test(key) && isUtcTimestamp(key),
});

/** Unknown birth dates sort last in both directions. */
const birthDate = (missing: 'infinity' | '-infinity'): SortKey => ({
  column: 'birth_date',
  expression: `coalesce(p.birth_date, '${missing}'::date)`,
  asText: `coalesce(p.birth_date, '${missing}'::date)::text`,
  cast: 'date',
  valid: (key) => key === missing || isCalendarDate(key),
});

/** Relevance is computed with the matches (search.ts); lower is better, so ASC puts the best first. */
const RELEVANCE_KEY: SortKey = {
  column: 'relevance',
  expression: 'p.relevance',
  asText: 'p.relevance::text',
  cast: 'integer',
  valid: (key) => /^\d{1,9}$/.test(key),
};

function sortKey(field: PatientOrderField, direction: OrderDirection): SortKey {
  switch (field) {
    case 'RELEVANCE':
      return RELEVANCE_KEY;
    case 'FAMILY_NAME':
      return {
        column: 'family_name',
        expression: 'p.family_name',
        asText: 'p.family_name',
        cast: 'text',
        valid: (key) => key.length <= 100 && !hasControlCharacters(key),
      };
    case 'BIRTH_DATE':
      return birthDate(direction === 'ASC' ? 'infinity' : '-infinity');
    case 'CREATED_AT':
      return timestamp('created_at');
    case 'UPDATED_AT':
      return timestamp('updated_at');
  }
}

interface Cursor {
  key: string;
  id: string;
}

type Order = { field: PatientOrderField; direction: OrderDirection };

/** A relevance key names its search too: the same numbers mean something else for another search. */
const relevanceCursorKey = (key: string, plan: SearchPlan | undefined) => `${key}.${plan?.fingerprint ?? ''}`;

function encodeCursor(order: Order, key: string, id: string): string {
  return Buffer.from(JSON.stringify([order.field, order.direction, key, id])).toString('base64url');
}

/** A cursor is opaque to clients, and only valid with the order (and the search, for RELEVANCE) it was made for. */
function decodeCursor(after: string, order: Order, key: SortKey, plan: SearchPlan | undefined): Cursor {
  const invalid = () => new BadUserInputError('after is not a cursor of this list and order', 'after');
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parts) || parts.length !== 4) throw invalid();
  const [field, direction, sortValue, id] = parts as unknown[];
  if (field !== order.field || direction !== order.direction) throw invalid();
  if (typeof sortValue !== 'string' || !isUuid(id)) throw invalid();
  if (order.field !== 'RELEVANCE') {
    if (!key.valid(sortValue)) throw invalid();
    return { key: sortValue, id };
  }
  // Stryker disable next-line StringLiteral: split always gives at least one part, so the default is never used
  const [relevance = ''] = sortValue.split('.');
  if (!key.valid(relevance) || relevanceCursorKey(relevance, plan) !== sortValue)
    throw new BadUserInputError('after is a cursor of another search', 'after');
  return { key: relevance, id };
}

/** The WHERE clause of a filter, search aside (shared by the page and the count). */
function whereOf(filter: PatientListFilter): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (!filter.includeInactive) conditions.push('p.active');
  const compared: [string, unknown][] = [
    ['p.created_by_id = ?::uuid', filter.createdById],
    ['p.gender = ?', filter.gender],
    ['p.birth_date >= ?::date', filter.birthDateFrom],
    ['p.birth_date <= ?::date', filter.birthDateTo],
  ];
  for (const [condition, value] of compared) {
    if (!value) continue;
    conditions.push(condition);
    params.push(value);
  }
  if (filter.deceased === true) conditions.push('p.deceased_at IS NOT NULL');
  if (filter.deceased === false) conditions.push('p.deceased_at IS NULL');
  const places: [string, unknown][] = [
    ["patients.search_normalize(p.address->>'city') = ?", filter.city],
    [
      "patients.search_normalize(p.address->>'state') = ANY(?::text[])",
      filter.states?.length ? sqlArray(filter.states) : null,
    ],
    ["left(p.address->>'postalCode', 5) = ?", filter.postalCode],
  ];
  for (const [condition, value] of places) {
    if (!value) continue;
    conditions.push(condition);
    params.push(value);
  }
  for (const kind of ['conditions', 'medications', 'allergies'] as const)
    for (const codes of filter.coded?.[kind] ?? []) {
      conditions.push(`EXISTS (SELECT 1 FROM ${CODED_TABLES[kind]} AND x.code = ANY(?::text[]))`);
      params.push(sqlArray(codes));
    }
  const condition = filter.condition?.trim();
  if (condition) {
    const clause = activeConditionClause(condition);
    conditions.push(clause.sql);
    params.push(...clause.params);
  }
  return { sql: conditions.length ? conditions.join(' AND ') : 'true', params };
}

/** Checks the arguments a client controls; BAD_USER_INPUT names the first bad one. */
function validateListArgs(args: PatientListArgs): void {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE)
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  const search = args.filter.search?.trim() ?? '';
  if (search.length > MAX_SEARCH_LENGTH)
    throw new BadUserInputError(`filter.search must be at most ${MAX_SEARCH_LENGTH} characters`, 'filter.search');
  if (hasControlCharacters(search))
    throw new BadUserInputError('filter.search must not contain control characters', 'filter.search');
  if (args.orderBy.field === 'RELEVANCE' && !search)
    throw new BadUserInputError('orderBy RELEVANCE needs a filter.search', 'orderBy.field');
  if (args.filter.condition) validateConditionFilter(args.filter.condition.trim());
  const { birthDateFrom, birthDateTo } = args.filter;
  for (const [field, value] of Object.entries({ birthDateFrom, birthDateTo }))
    if (value && !isCalendarDate(value))
      throw new BadUserInputError(`filter.${field} must be a date of years 1 to 9999`, `filter.${field}`);
  if (birthDateFrom && birthDateTo && birthDateFrom > birthDateTo)
    throw new BadUserInputError('filter.birthDateFrom must not be after filter.birthDateTo', 'filter.birthDateFrom');
}

/**
 * What a search's matches carry until the page is chosen: the id and every column a sort key
 * reads (derived from sortKey, so a new order cannot miss its column). A search counts and sorts
 * its matches (a thousand and more) as these narrow rows and reads whole rows for the page only.
 */
const SORT_COLUMNS = [
  'id',
  ...new Set(
    ORDER_FIELDS.filter((field) => field !== 'RELEVANCE').flatMap((field) =>
      ORDER_DIRECTIONS.map((direction) => sortKey(field, direction).column),
    ),
  ),
]
  .map((column) => `p.${column}`)
  .join(', ');

/**
 * `FROM …` the patients that match `filter` (and `extra`), as `p`. With a search, the matches
 * are found first, in a subquery that OFFSET 0 keeps apart from the caller's ORDER BY … LIMIT:
 * merged, the planner may walk a sort index and test every row against the search until the
 * page is full (the whole table when few match) instead of asking the search index. `ranked`
 * adds the matches' relevance (column `relevance`).
 */
function matching(
  filter: PatientListFilter,
  plan: SearchPlan | undefined,
  options: { ranked?: boolean; extra?: { sql: string; params: unknown[] } } = {},
): { from: string; params: unknown[] } {
  const where = whereOf(filter);
  if (!plan) {
    const extra = options.extra;
    return {
      from: `patients.patient p WHERE ${where.sql}${extra ? ` AND ${extra.sql}` : ''}`,
      params: [...where.params, ...(extra?.params ?? [])],
    };
  }
  const ranked = options.ranked ?? false;
  const columns = ranked ? `${SORT_COLUMNS}, ${plan.relevance.sql} AS relevance` : SORT_COLUMNS;
  const inner = `SELECT ${columns} FROM patients.patient p${ranked ? plan.lateral.sql : ''} WHERE ${where.sql} AND ${plan.where.sql} OFFSET 0`;
  const params = [
    ...(ranked ? [...plan.relevance.params, ...plan.lateral.params] : []),
    ...where.params,
    ...plan.where.params,
  ];
  const extra = options.extra;
  return {
    from: `(${inner}) AS p${extra ? ` WHERE ${extra.sql}` : ''}`,
    params: [...params, ...(extra?.params ?? [])],
  };
}

const countsMatches = (args: PatientListArgs) => Boolean(args.filter.search?.trim()) && !args.after;

/** The order a list is in: RELEVANCE by default with a search, CREATED_AT without. */
function orderOf(args: PatientListArgs): Order {
  const search = Boolean(args.filter.search?.trim());
  return { field: args.orderBy.field ?? (search ? 'RELEVANCE' : 'CREATED_AT'), direction: args.orderBy.direction };
}

/** `count(*)` of what `from` matches, stopping after EXACT_COUNT_LIMIT + 1 rows. */
const cappedCount = (from: string) =>
  `SELECT count(*) FROM (SELECT 1 FROM ${from} LIMIT ${EXACT_COUNT_LIMIT + 1}) AS matches`;

/**
 * The SQL of one page (exported for the tests that EXPLAIN it). `count`: a list without a search
 * also counts its matches, capped as countPatients counts them, in the same statement (a column
 * of every row), so that totalCount costs no statement of its own.
 */
export function pageQuery(
  args: PatientListArgs,
  plan?: SearchPlan,
  options: { count?: boolean } = {},
): { sql: string; params: unknown[] } {
  const order = orderOf(args);
  const key = sortKey(order.field, order.direction);
  const direction = order.direction === 'ASC' ? 'ASC' : 'DESC';
  let after: { sql: string; params: unknown[] } | undefined;
  if (args.after) {
    const cursor = decodeCursor(args.after, order, key, plan);
    after = {
      sql: `(${key.expression}, p.id) ${direction === 'ASC' ? '>' : '<'} (?::${key.cast}, ?::uuid)`,
      params: [cursor.key, cursor.id],
    };
  }
  const { from, params } = matching(args.filter, plan, { ranked: order.field === 'RELEVANCE', extra: after });
  // A search's first page fetches every match to sort them: counting them there is almost free,
  // and saves totalCount a second search. (After a cursor, the matches are only the rest.)
  const count = countsMatches(args) ? ', count(*) OVER () AS match_count' : '';
  params.push(args.first + 1);
  if (!plan) {
    // The count's subquery is not correlated: PostgreSQL runs it once, not per row.
    const counted = options.count ? matching(args.filter, undefined) : undefined;
    const countColumn = counted ? `, (${cappedCount(counted.from)}) AS capped_count` : '';
    const sql = `SELECT p.*, ${key.asText} AS sort_key${countColumn} FROM ${from} ORDER BY ${key.expression} ${direction}, p.id ${direction} LIMIT ?`;
    return { sql, params: [...(counted?.params ?? []), ...params] };
  }
  // A search picks its page among the narrow matches (SORT_COLUMNS), then reads those rows whole.
  const page = `SELECT p.id, ${key.expression} AS sort_value, ${key.asText} AS sort_key${count} FROM ${from} ORDER BY ${key.expression} ${direction}, p.id ${direction} LIMIT ?`;
  const sql = `SELECT p.*, page.sort_key${count ? ', page.match_count' : ''} FROM (${page}) AS page JOIN patients.patient p ON p.id = page.id ORDER BY page.sort_value ${direction}, page.id ${direction}`;
  return { sql, params };
}

/** The plan of the filter's search (its words looked up), when it has one. */
export async function searchPlanOf(
  em: EntityManager,
  filter: PatientListFilter,
  options: SearchOptions,
): Promise<SearchPlan | undefined> {
  const search = filter.search?.trim();
  if (!search) return undefined;
  return planSearch(em, parseSearch(search, options.dateOrder), options.tuning);
}

/**
 * One page of patients, in `orderBy` order (RELEVANCE by default with a search) then by id;
 * `after` continues after that cursor.
 */
export async function listPatients(
  em: EntityManager,
  args: PatientListArgs,
  options: SearchOptions & { count?: boolean } = { dateOrder: 'ISO' },
): Promise<PatientPage> {
  validateListArgs(args);
  const order = orderOf(args);
  const plan = await searchPlanOf(em, args.filter, options);
  if (plan && !plan.possible) {
    if (args.after) decodeCursor(args.after, order, sortKey(order.field, order.direction), plan);
    return {
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
      filter: args.filter,
      search: plan,
      matchCount: 0,
    };
  }
  const count = Boolean(options.count) && !plan;
  const { sql, params } = pageQuery(args, plan, { count });
  const rows = await em.execute<Record<string, unknown>[]>(sql, params);
  // A page is only shown: plain rows, not managed entities (plainRowMapper).
  const toPatient = plainRowMapper(em, Patient);
  const edges = rows.slice(0, args.first).map((row) => {
    const node = toPatient(row);
    const key = order.field === 'RELEVANCE' ? relevanceCursorKey(String(row.sort_key), plan) : String(row.sort_key);
    return { cursor: encodeCursor(order, key, node.id), node };
  });
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null },
    filter: args.filter,
    ...(plan ? { search: plan } : {}),
    ...matchCountOf(args, rows, count),
  };
}

const countOf = (capped: number): Pick<PatientPage, 'matchCount' | 'manyMatches'> =>
  capped > EXACT_COUNT_LIMIT ? { manyMatches: true } : { matchCount: capped };

/**
 * How many match, when the page statement tells: a search's first page counts them; a first page
 * that is not full holds them all; a list asked for its count carries it, capped (totalCount then
 * needs no statement of its own).
 */
function matchCountOf(
  args: PatientListArgs,
  rows: Record<string, unknown>[],
  counted: boolean,
): Pick<PatientPage, 'matchCount' | 'manyMatches'> {
  if (countsMatches(args)) return { matchCount: Number(rows[0]?.match_count ?? 0) };
  if (!args.after && rows.length <= args.first) return { matchCount: rows.length };
  if (counted && rows[0]) return countOf(Number(rows[0].capped_count));
  return {};
}

/**
 * Planner estimates of how many rows a list matches, by statement and parameters, each kept
 * ESTIMATE_TTL_MS: an EXPLAIN is a round trip to PostgreSQL, and a large list's estimate changes
 * with the table's statistics, not from one page to the next. Bounded: the oldest go first.
 */
const estimates = new Map<string, { rows: number; until: number }>();
const ESTIMATE_TTL_MS = 10_000;
const MAX_ESTIMATES = 1_000;

async function estimateMatches(em: EntityManager, matches: string, params: unknown[]): Promise<number> {
  const key = `${matches}\0${JSON.stringify(params)}`;
  const now = Date.now();
  const kept = estimates.get(key);
  if (kept && kept.until > now) return kept.rows;
  const [explained] = await em.execute<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
    `EXPLAIN (FORMAT JSON) ${matches}`,
    params,
  );
  const rows = Math.round(explained?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0);
  estimates.delete(key);
  if (estimates.size >= MAX_ESTIMATES) estimates.delete(estimates.keys().next().value as string);
  estimates.set(key, { rows, until: now + ESTIMATE_TTL_MS });
  return rows;
}

/**
 * How many patients match `filter` over all pages: exact up to EXACT_COUNT_LIMIT (a count that
 * stops there), else the planner's row estimate (made at most ESTIMATE_TTL_MS ago), never below
 * EXACT_COUNT_LIMIT + 1. `manyMatches`: the page query counted already, beyond the limit.
 */
export async function countPatients(
  em: EntityManager,
  filter: PatientListFilter,
  plan?: SearchPlan,
  manyMatches = false,
): Promise<number> {
  if (plan && !plan.possible) return 0;
  const { from, params } = matching(filter, plan);
  if (!manyMatches) {
    const rows = await em.execute<{ count: string }[]>(cappedCount(from), params);
    const counted = Number(rows[0]?.count ?? 0);
    if (counted <= EXACT_COUNT_LIMIT) return counted;
  }
  return Math.max(EXACT_COUNT_LIMIT + 1, await estimateMatches(em, `SELECT 1 FROM ${from}`, params));
}
