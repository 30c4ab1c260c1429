/**
 * Reads of the clinical record, always for many patients at once: each loader turns the
 * patients of one request tick into ONE statement per resource type (and per distinct arguments),
 * so a page of patients with their conditions costs the same statements as one patient.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { BadUserInputError } from '@healthsync/orm';
import { plainRowMapper } from '@healthsync/orm/database';
import { MAX_PAGE_SIZE } from '../patients/list.js';
import type {
  AllergyIntolerance,
  CodingValue,
  Condition,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Procedure,
} from './entities.js';
import { sqlArray } from './sql-array.js';
import { type ClinicalType, TABLE_OF } from './types.js';

/**
 * A stored clinical resource of any type (what every GraphQL type of the record maps to). The
 * reads give plain objects of the entity's properties (plainRowMapper): all but the `patient`
 * relation, which no resolver reads (the rows are looked up by patient).
 */
export type ClinicalRow =
  | Encounter
  | Condition
  | Observation
  | MedicationRequest
  | AllergyIntolerance
  | Immunization
  | Procedure;

/** Each type newest first: by the date that says when it happened (undated ones last), then id. */
const NEWEST_FIRST: Record<ClinicalType, string> = {
  Encounter: 'period_start DESC, id DESC',
  Condition: 'coalesce(onset_at, recorded_at) DESC NULLS LAST, id DESC',
  Observation: 'effective_at DESC, id DESC',
  MedicationRequest: 'authored_at DESC NULLS LAST, id DESC',
  AllergyIntolerance: 'recorded_at DESC NULLS LAST, id DESC',
  Immunization: 'occurred_at DESC NULLS LAST, id DESC',
  Procedure: 'performed_at DESC NULLS LAST, id DESC',
};

/** FHIR's category of vital signs (height, weight, BMI, blood pressure, heart rate…). */
export const VITAL_SIGNS = 'vital-signs';

export const codingOf = (row: { codeSystem?: string | null; code: string; display?: string | null }): CodingValue => ({
  system: row.codeSystem ?? null,
  code: row.code,
  display: row.display ?? null,
});

/** The stored resource as FHIR R4: its id, `meta.versionId` and `meta.lastUpdated` from the row. */
export function fhirOf(row: ClinicalRow): Record<string, unknown> {
  const { resourceType, id: _id, meta, ...rest } = row.resource as { resourceType: string; id?: string; meta?: object };
  return {
    resourceType,
    id: row.id,
    meta: { ...meta, versionId: String(row.version), lastUpdated: row.lastUpdated.toISOString() },
    ...rest,
  };
}

type Row = Record<string, unknown> & { patient_id: string };

/**
 * A loader of rows per patient under some arguments: keys with the same arguments share one
 * statement (`run` gets all their patient ids), so a page of patients asking the same costs one.
 */
function perPatient<A, R>(
  em: EntityManager,
  type: ClinicalType,
  run: (patientIds: string[], args: A) => Promise<Row[]>,
): DataLoader<{ patientId: string; args: A }, R[], string> {
  const toRow = plainRowMapper(em, type);
  return new DataLoader<{ patientId: string; args: A }, R[], string>(
    async (keys) => {
      const groups = new Map<string, { args: A; ids: Set<string> }>();
      for (const { patientId, args } of keys) {
        const key = JSON.stringify(args);
        const group = groups.get(key) ?? { args, ids: new Set<string>() };
        group.ids.add(patientId);
        groups.set(key, group);
      }
      const rows = new Map<string, Map<string, R[]>>();
      await Promise.all(
        [...groups].map(async ([key, { args, ids }]) => {
          const byPatient = new Map<string, R[]>();
          for (const row of await run([...ids], args)) {
            const list = byPatient.get(row.patient_id) ?? [];
            list.push(toRow(row) as R);
            byPatient.set(row.patient_id, list);
          }
          rows.set(key, byPatient);
        }),
      );
      return keys.map(({ patientId, args }) => rows.get(JSON.stringify(args))?.get(patientId) ?? []);
    },
    { cacheKeyFn: ({ patientId, args }) => `${patientId}|${JSON.stringify(args)}` },
  );
}

export interface ListArgs {
  /** Only active ones (conditions, medication requests). */
  activeOnly?: boolean;
  /** Only what changed after this instant (ISO), for exports. */
  since?: string | null;
}

function listLoader<R extends ClinicalRow>(em: EntityManager, type: ClinicalType) {
  return perPatient<ListArgs, R>(em, type, (ids, args) => {
    const where = ['patient_id = ANY (?::uuid[])'];
    const params: unknown[] = [sqlArray(ids)];
    if (args.activeOnly) where.push('active');
    if (args.since) {
      where.push('last_updated > ?::timestamptz');
      params.push(args.since);
    }
    return em.execute<Row[]>(
      `SELECT * FROM patients.${TABLE_OF[type]} WHERE ${where.join(' AND ')} ORDER BY patient_id, ${NEWEST_FIRST[type]}`,
      params,
    );
  });
}

export interface PageArgs {
  first: number;
  after?: string | null;
}

export interface ObservationArgs extends PageArgs {
  /** A code (`8302-2`), or a system and a code (`http://loinc.org|8302-2`). */
  code?: string | null;
  category?: string | null;
  from?: string | null;
  to?: string | null;
}

/** A page of one patient's rows, newest first, keyset cursors. */
export interface ClinicalPage<R> {
  edges: { cursor: string; node: R }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function encodeCursor(at: Date, id: string) {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function decodeCursor(after: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && !Number.isNaN(new Date(at).getTime()) && typeof id === 'string') return [at, id];
  } catch {}
  throw new BadUserInputError('after is not a cursor of this list', 'after');
}

/** Checks what a client controls, before any statement. */
export function validatePageArgs(args: PageArgs & { from?: string | null; to?: string | null }) {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE)
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  if (args.after) decodeCursor(args.after);
  if (args.from && args.to && args.from > args.to) throw new BadUserInputError('from must not be after to', 'from');
}

/**
 * One statement for the pages of all the patients asked together: the page of each is a
 * LATERAL subquery that walks its (patient, date) index backwards and stops at `first + 1`.
 */
function pageLoader<A extends PageArgs, R extends Encounter | Observation>(
  em: EntityManager,
  type: 'Encounter' | 'Observation',
  filters: (args: A) => { sql: string[]; params: unknown[] },
) {
  const at = type === 'Encounter' ? 'period_start' : 'effective_at';
  return perPatient<A, R>(em, type, (ids, args) => {
    const { sql, params } = filters(args);
    const where = ['t.patient_id = k.patient_id', ...sql];
    const cursorParams: unknown[] = [];
    if (args.after) {
      const [cursorAt, cursorId] = decodeCursor(args.after);
      where.push(`(t.${at}, t.id) < (?::timestamptz, ?)`);
      cursorParams.push(cursorAt, cursorId);
    }
    return em.execute<Row[]>(
      `SELECT t.* FROM unnest(?::uuid[]) AS k(patient_id) CROSS JOIN LATERAL (
         SELECT * FROM patients.${TABLE_OF[type]} t WHERE ${where.join(' AND ')}
         ORDER BY t.${at} DESC, t.id DESC LIMIT ?) t`,
      [sqlArray(ids), ...params, ...cursorParams, args.first + 1],
    );
  });
}

export function pageOf<R extends { id: string }>(rows: R[], first: number, at: (row: R) => Date): ClinicalPage<R> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(at(node), node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

function observationFilters(args: ObservationArgs) {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (args.code) {
    const bar = args.code.lastIndexOf('|');
    if (bar > 0) {
      sql.push('t.code_system = ?', 't.code = ?');
      params.push(args.code.slice(0, bar), args.code.slice(bar + 1));
    } else {
      sql.push('t.code = ?');
      params.push(args.code);
    }
  }
  if (args.category) {
    sql.push('t.category = ?');
    params.push(args.category);
  }
  if (args.from) {
    sql.push('t.effective_at >= ?::timestamptz');
    params.push(args.from);
  }
  if (args.to) {
    sql.push('t.effective_at < ?::timestamptz');
    params.push(args.to);
  }
  return { sql, params };
}

/** What Patient.summary shows of one patient. */
export interface SummaryRows {
  activeConditions: Condition[];
  activeMedications: MedicationRequest[];
  allergies: AllergyIntolerance[];
  /** The latest observation of each vital-sign code (by code). */
  latestVitals: Observation[];
  lastEncounter: Encounter | null;
}

/**
 * The summaries of the patients asked together in ONE statement: a row per patient whose columns
 * are its active conditions, active medications, allergies, latest vital sign of each code and
 * last encounter as JSON, each part read by its own (patient, …) index in the lists' orders. One
 * round trip instead of five: a statement's fixed cost (the driver, the server's parse and plan)
 * was most of what a summary cost, not the rows.
 */
function summaryLoader(em: EntityManager) {
  const toRow = (type: ClinicalType) => {
    const mapper = plainRowMapper(em, type);
    return (rows: Row[] | null) => (rows ?? []).map(mapper);
  };
  const conditions = toRow('Condition');
  const medications = toRow('MedicationRequest');
  const allergies = toRow('AllergyIntolerance');
  const vitals = toRow('Observation');
  const encounter = plainRowMapper(em, 'Encounter');
  const list = (type: ClinicalType, where = '') =>
    `(SELECT jsonb_agg(to_jsonb(t) ORDER BY ${NEWEST_FIRST[type]}) FROM patients.${TABLE_OF[type]} t
      WHERE t.patient_id = k.patient_id ${where})`;
  const sql = `SELECT k.patient_id,
      ${list('Condition', 'AND t.active')} AS conditions,
      ${list('MedicationRequest', 'AND t.active')} AS medications,
      ${list('AllergyIntolerance')} AS allergies,
      (SELECT jsonb_agg(to_jsonb(v) ORDER BY v.code) FROM (
         SELECT DISTINCT ON (t.code) * FROM patients.observation t
         WHERE t.patient_id = k.patient_id AND t.category = ?
         ORDER BY t.code, t.effective_at DESC, t.id DESC) v) AS vitals,
      (SELECT to_jsonb(t) FROM patients.encounter t WHERE t.patient_id = k.patient_id
       ORDER BY ${NEWEST_FIRST.Encounter} LIMIT 1) AS last_encounter
    FROM unnest(?::uuid[]) AS k(patient_id)`;
  return new DataLoader<string, SummaryRows>(async (ids) => {
    type SummaryRow = { patient_id: string; conditions: Row[] | null; medications: Row[] | null };
    // em.execute, not executeBound: the request's replicaReads routes em.execute to a read replica.
    const rows = await em.execute<
      (SummaryRow & { allergies: Row[] | null; vitals: Row[] | null; last_encounter: Row | null })[]
    >(sql, [VITAL_SIGNS, sqlArray([...ids])]);
    const byPatient = new Map(rows.map((row) => [row.patient_id, row]));
    return ids.map((id) => {
      const row = byPatient.get(id);
      return {
        activeConditions: conditions(row?.conditions ?? null) as Condition[],
        activeMedications: medications(row?.medications ?? null) as MedicationRequest[],
        allergies: allergies(row?.allergies ?? null) as AllergyIntolerance[],
        latestVitals: vitals(row?.vitals ?? null) as Observation[],
        lastEncounter: row?.last_encounter ? (encounter(row.last_encounter) as Encounter) : null,
      };
    });
  });
}

/** The clinical loaders of one request (in its context). */
export function createClinicalLoaders(em: EntityManager) {
  return {
    lists: {
      Encounter: listLoader<Encounter>(em, 'Encounter'),
      Condition: listLoader<Condition>(em, 'Condition'),
      Observation: listLoader<Observation>(em, 'Observation'),
      MedicationRequest: listLoader<MedicationRequest>(em, 'MedicationRequest'),
      AllergyIntolerance: listLoader<AllergyIntolerance>(em, 'AllergyIntolerance'),
      Immunization: listLoader<Immunization>(em, 'Immunization'),
      Procedure: listLoader<Procedure>(em, 'Procedure'),
    } satisfies Record<ClinicalType, unknown>,
    observations: pageLoader<ObservationArgs, Observation>(em, 'Observation', observationFilters),
    encounters: pageLoader<PageArgs, Encounter>(em, 'Encounter', () => ({ sql: [], params: [] })),
    summaries: summaryLoader(em),
  };
}
export type ClinicalLoaders = ReturnType<typeof createClinicalLoaders>;
