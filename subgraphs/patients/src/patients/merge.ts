/**
 * Merging a duplicate record into the one kept, and undoing it (FHIR `$merge`-style). Each is ONE
 * transaction: both records, the identifiers, the clinical record, the merge's own record of what
 * moved, both history versions and both audit rows commit together or not at all.
 */
import { LockMode, OptimisticLockError } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, ConflictError, NotFoundError, requireUuid } from '@healthsync/orm';
import { canSeeArchived } from '../access.js';
import { auditEvent, insertAuditEvent } from '../audit.js';
import { patientElementOf } from '../clinical/fhir-in.js';
import { CLINICAL_TYPES, TABLE_OF } from '../clinical/types.js';
import { Patient, type PatientChange, type PatientIdentifierValue, PatientMerge, PatientVersion } from '../entities.js';
import { versionRow, type WriteScope } from './service.js';

export interface MergeVersions {
  /** The source's version the caller saw; CONFLICT when it changed since. */
  expectedSourceVersion?: number | null;
  expectedTargetVersion?: number | null;
}

const sameIdentifier = (a: PatientIdentifierValue, b: PatientIdentifierValue) =>
  a.system === b.system && a.value === b.value;
const plain = ({ system, value }: PatientIdentifierValue): PatientIdentifierValue => ({ system, value });

/**
 * Both records, locked for the rest of the transaction in id order (PostgreSQL locks the rows of
 * `ORDER BY … FOR UPDATE` as they come out sorted), so that two merges never deadlock.
 */
async function lockPair(tx: EntityManager, scope: WriteScope, sourceId: string, targetId: string) {
  const found = await tx.find(
    Patient,
    { id: { $in: [sourceId, targetId] } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
  );
  const visible = (id: string) => {
    const patient = found.find((candidate) => candidate.id === id);
    if (!patient || (!patient.active && !canSeeArchived(scope.viewer))) throw new NotFoundError('Patient');
    return patient;
  };
  return { source: visible(sourceId), target: visible(targetId) };
}

function checkVersion(patient: Patient, expected: number | null | undefined, role: 'source' | 'target') {
  if (expected !== undefined && expected !== null && patient.version !== expected)
    throw new ConflictError(`The ${role} is at version ${patient.version}, not ${expected}; reload and retry`);
}

/** Moves every clinical resource of `from` to `to` (its patient reference rewritten, version + 1). */
function moveResourcesSql(type: (typeof CLINICAL_TYPES)[number]): string {
  const element = patientElementOf(type);
  return `UPDATE patients.${TABLE_OF[type]}
    SET patient_id = ?, version = version + 1, last_updated = ?,
        resource = jsonb_set(resource, '{${element}}', coalesce(resource->'${element}', '{}'::jsonb) || jsonb_build_object('reference', 'Patient/' || ?))`;
}

async function recordBoth(
  tx: EntityManager,
  scope: WriteScope,
  change: Extract<PatientChange, 'MERGE' | 'UNMERGE'>,
  patients: Patient[],
) {
  await tx.insertMany(
    PatientVersion,
    patients.map((patient) => versionRow(patient, change, scope.viewer.userId)),
  );
  for (const patient of patients) await insertAuditEvent(tx, auditEvent(scope, change, 'SUCCESS', patient.id));
}

/**
 * Merges `sourceId` into `targetId` and returns the target. The target gains the source's
 * identifiers and clinical record; the source is kept, inactive, `replacedBy` the target, its
 * identifiers marked `old`. Refused: a record into itself (BAD_USER_INPUT), a source already
 * merged or archived, an archived target, both holding an identifier of one system (different
 * values: likely two people), a stale expected version (CONFLICT).
 */
export async function mergePatients(
  em: EntityManager,
  scope: WriteScope,
  sourceId: string,
  targetId: string,
  versions: MergeVersions = {},
): Promise<Patient> {
  requireUuid(sourceId, 'sourceId');
  requireUuid(targetId, 'targetId');
  if (sourceId === targetId) throw new BadUserInputError('A record cannot be merged into itself', 'targetId');
  try {
    return await em.transactional(async (tx) => {
      const { source, target } = await lockPair(tx, scope, sourceId, targetId);
      if (source.replacedById) throw new ConflictError('The source is already merged into another record');
      if (!source.active) throw new ConflictError('The source is archived; restore it before merging it');
      if (target.replacedById) throw new ConflictError('The target is merged into another record; merge into that one');
      if (!target.active) throw new ConflictError('The target is archived; restore it before merging into it');
      checkVersion(source, versions.expectedSourceVersion, 'source');
      checkVersion(target, versions.expectedTargetVersion, 'target');
      const clash = source.identifiers.find((mine) =>
        target.identifiers.some((theirs) => theirs.system === mine.system && theirs.value !== mine.value),
      );
      if (clash)
        throw new ConflictError(
          `Both records have an identifier of ${clash.system} with different values; correct one before merging`,
        );

      const now = new Date();
      const moved = await tx.execute<{ system: string; value: string }[]>(
        'UPDATE patients.patient_identifier SET patient_id = ? WHERE patient_id = ? RETURNING system, value',
        [target.id, source.id],
      );
      const merge = tx.create(PatientMerge, {
        source: source.id,
        target: target.id,
        mergedAt: now,
        mergedById: scope.viewer.userId,
        sourceIdentifiers: source.identifiers.map(plain),
        movedIdentifiers: moved.map(plain),
      });
      await tx.flush();
      for (const type of CLINICAL_TYPES)
        await tx.execute(
          `WITH moved AS (${moveResourcesSql(type)} WHERE patient_id = ? RETURNING id)
           INSERT INTO patients.patient_merge_resource (merge_id, resource_type, resource_id) SELECT ?, ?, id FROM moved`,
          [target.id, now, target.id, source.id, merge.id, type],
        );

      // A (system, value) pair belongs to one record (patient_identifier's key), so every one of the
      // source's is new to the target.
      Object.assign(target, {
        identifiers: [...target.identifiers, ...source.identifiers.map(plain)],
        updatedAt: now,
        updatedById: scope.viewer.userId,
      });
      Object.assign(source, {
        identifiers: source.identifiers.map((identifier) => ({ ...plain(identifier), use: 'old' as const })),
        active: false,
        replacedById: target.id,
        updatedAt: now,
        updatedById: scope.viewer.userId,
      });
      await tx.flush();
      await recordBoth(tx, scope, 'MERGE', [source, target]);
      return target;
    });
  } catch (error) {
    if (error instanceof OptimisticLockError) throw new ConflictError('A record was changed concurrently; retry');
    throw error;
  }
}

/**
 * Undoes the open merge of `sourceId` from what it recorded, and returns the source: active
 * again, with its identifiers and the clinical resources that moved (those still on the target).
 * What was changed on the target since (its fields, resources added to it) stays. Refused when
 * the source is not merged, or its target has been merged on (unmerge that one first).
 */
export async function unmergePatients(em: EntityManager, scope: WriteScope, sourceId: string): Promise<Patient> {
  requireUuid(sourceId, 'sourceId');
  try {
    return await em.transactional(async (tx) => {
      const merge = await tx.findOne(PatientMerge, { source: sourceId, unmergedAt: null });
      const found = await tx.findOne(Patient, { id: sourceId });
      if (!found || (!found.active && !canSeeArchived(scope.viewer))) throw new NotFoundError('Patient');
      if (!merge || !found.replacedById) throw new ConflictError('The patient is not merged into another record');
      const { source, target } = await lockPair(tx, scope, sourceId, merge.target.id);
      if (target.replacedById)
        throw new ConflictError('The target has since been merged into another record; unmerge that merge first');

      const now = new Date();
      const identifiers = merge.movedIdentifiers;
      if (identifiers.length) {
        const pairs = JSON.stringify(identifiers);
        const heldElsewhere = await tx.execute<{ system: string }[]>(
          `SELECT i.system FROM patients.patient_identifier i
           JOIN jsonb_to_recordset(?::jsonb) AS m(system text, value text) ON m.system = i.system AND m.value = i.value
           WHERE i.patient_id <> ? AND i.patient_id <> ?`,
          [pairs, target.id, source.id],
        );
        if (heldElsewhere.length)
          throw new ConflictError(
            `An identifier of ${heldElsewhere[0]!.system} now belongs to a third record; correct that record first`,
          );
        // Back to the source, whether the target still holds the row or a later update dropped it.
        await tx.execute(
          `INSERT INTO patients.patient_identifier (system, value, patient_id)
           SELECT m.system, m.value, ? FROM jsonb_to_recordset(?::jsonb) AS m(system text, value text)
           ON CONFLICT (system, value) DO UPDATE SET patient_id = excluded.patient_id`,
          [source.id, pairs],
        );
      }
      for (const type of CLINICAL_TYPES)
        await tx.execute(
          `${moveResourcesSql(type)}
           WHERE patient_id = ? AND id IN (SELECT resource_id FROM patients.patient_merge_resource WHERE merge_id = ? AND resource_type = ?)`,
          [source.id, now, source.id, target.id, merge.id, type],
        );

      Object.assign(target, {
        identifiers: target.identifiers.filter((kept) => !identifiers.some((gone) => sameIdentifier(gone, kept))),
        updatedAt: now,
        updatedById: scope.viewer.userId,
      });
      Object.assign(source, {
        identifiers: merge.sourceIdentifiers.map(plain),
        active: true,
        replacedById: null,
        updatedAt: now,
        updatedById: scope.viewer.userId,
      });
      Object.assign(merge, { unmergedAt: now, unmergedById: scope.viewer.userId });
      await tx.flush();
      await recordBoth(tx, scope, 'UNMERGE', [source, target]);
      return source;
    });
  } catch (error) {
    if (error instanceof OptimisticLockError) throw new ConflictError('A record was changed concurrently; retry');
    throw error;
  }
}
