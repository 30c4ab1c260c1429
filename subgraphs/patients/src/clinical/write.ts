/**
 * The write path of the clinical record: the resources of one import call, one statement per
 * resource type (an upsert keyed by FHIR id that says, row by row, what it did), and one IMPORT
 * audit row per patient and resource type that changed — all inside the caller's transaction,
 * so they commit or roll back with the patient they belong to.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '@healthsync/orm/database';
import { auditEvent } from '../audit.js';
import { AuditEvent } from '../entities.js';
import type { WriteScope } from '../patients/service.js';
import type { ClinicalDraft } from './fhir-in.js';
import { CLINICAL_TYPES, type ClinicalType, TABLE_OF } from './types.js';

/** One resource ready to store: its patient and encounter resolved, its references rewritten. */
export interface ClinicalWrite {
  draft: ClinicalDraft;
  patientId: string;
  encounterId: string | null;
  resource: Record<string, unknown>;
}

export type WriteOutcome = { kind: 'created' | 'updated' | 'unchanged' } | { kind: 'failed'; message: string };

interface Column {
  name: string;
  sqlType: string;
}

const columnCache = new Map<ClinicalType, Column[]>();

/** The table's columns and their SQL types, as the entity (and so the migration) defines them. */
function columnsOf(em: EntityManager, type: ClinicalType): Column[] {
  let columns = columnCache.get(type);
  if (!columns) {
    const meta = em.getMetadata().find(type);
    if (!meta) throw new Error(`no entity for ${type}`);
    columns = meta.props.flatMap((prop) =>
      (prop.fieldNames ?? []).map((name, i) => ({ name, sqlType: prop.columnTypes[i] ?? 'text' })),
    );
    columnCache.set(type, columns);
  }
  return columns;
}

/**
 * Upserts `writes` (all of one type) and tells, per id, what happened. An unchanged resource (the
 * same jsonb) is left alone; a changed one is rewritten with version + 1; an id that belongs to
 * another patient is refused, never moved: that would put one person's data in another's record.
 */
async function upsert(
  em: EntityManager,
  type: ClinicalType,
  writes: ClinicalWrite[],
): Promise<Map<string, WriteOutcome>> {
  const columns = columnsOf(em, type);
  const table = `patients.${TABLE_OF[type]}`;
  const names = columns.map((column) => `"${column.name}"`);
  const recordType = columns
    .filter((column) => column.name !== 'version' && column.name !== 'last_updated')
    .map((column) => `"${column.name}" ${column.sqlType}`)
    .join(', ');
  const values = columns.map((column) => {
    if (column.name === 'version') return '1';
    if (column.name === 'last_updated') return 'now()';
    return `input."${column.name}"`;
  });
  const updates = columns
    .filter((column) => !['id', 'patient_id', 'version'].includes(column.name))
    .map((column) => `"${column.name}" = excluded."${column.name}"`);
  const rows = writes.map((write) => ({
    ...write.draft.columns,
    id: write.draft.id,
    patient_id: write.patientId,
    encounter_id: write.encounterId,
    resource: write.resource,
  }));
  const sql = `WITH input AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS input(${recordType})),
    existing AS (SELECT t.id, t.patient_id FROM ${table} t WHERE t.id IN (SELECT id FROM input)),
    written AS (
      INSERT INTO ${table} AS t (${names.join(', ')}) SELECT ${values.join(', ')} FROM input
      ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}, "version" = t."version" + 1
      WHERE t.patient_id = excluded.patient_id AND t.resource IS DISTINCT FROM excluded.resource
      RETURNING t.id, t.version)
    SELECT input.id, existing.patient_id AS owner, written.version
    FROM input LEFT JOIN existing ON existing.id = input.id LEFT JOIN written ON written.id = input.id`;
  const result = await executeBound<{ id: string; owner: string | null; version: number | null }>(em, sql, [
    JSON.stringify(rows),
  ]);
  const patientOf = new Map(writes.map((write) => [write.draft.id, write.patientId]));
  const outcomes = new Map<string, WriteOutcome>();
  for (const { id, owner, version } of result) {
    if (version !== null) outcomes.set(id, { kind: version === 1 && owner === null ? 'created' : 'updated' });
    else if (owner === patientOf.get(id)) outcomes.set(id, { kind: 'unchanged' });
    else if (owner !== null)
      outcomes.set(id, { kind: 'failed', message: `${type}/${id} belongs to another patient; nothing was changed` });
    else
      outcomes.set(id, {
        kind: 'failed',
        message: `${type}/${id} was written by another import meanwhile; import it again`,
      });
  }
  return outcomes;
}

/**
 * Writes the clinical resources of one call (inside the caller's transaction `tx`): one upsert per
 * resource type present, then the IMPORT audit rows of what changed, in one insert. A resource id
 * given twice in `writes` is written once (the last one); the earlier ones are reported as failed.
 */
export async function writeClinical(
  tx: EntityManager,
  scope: WriteScope,
  writes: ClinicalWrite[],
): Promise<Map<ClinicalWrite, WriteOutcome>> {
  const outcomes = new Map<ClinicalWrite, WriteOutcome>();
  const audited = new Set<string>();
  const audit: ReturnType<typeof auditEvent>[] = [];
  for (const type of CLINICAL_TYPES) {
    const ofType = writes.filter((write) => write.draft.resourceType === type);
    if (!ofType.length) continue;
    const last = new Map(ofType.map((write) => [write.draft.id, write]));
    for (const write of ofType)
      if (last.get(write.draft.id) !== write)
        outcomes.set(write, {
          kind: 'failed',
          message: `${type}/${write.draft.id} appears again later in this import; the last one was imported`,
        });
    const byId = await upsert(tx, type, [...last.values()]);
    for (const write of last.values()) {
      const outcome = byId.get(write.draft.id) ?? { kind: 'failed', message: 'not written' };
      outcomes.set(write, outcome);
      const key = `${write.patientId}|${type}`;
      if ((outcome.kind === 'created' || outcome.kind === 'updated') && !audited.has(key)) {
        audited.add(key);
        audit.push(auditEvent(scope, 'IMPORT', 'SUCCESS', write.patientId, type));
      }
    }
  }
  if (audit.length) await tx.insertMany(AuditEvent, audit);
  return outcomes;
}
