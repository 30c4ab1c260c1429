/**
 * The write path of patient records: every write validates, changes the record, stores a history
 * snapshot and an audit row in ONE transaction. GraphQL mutations and the FHIR import call it (an
 * import's new patients in batches, through insertNewPatients).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, requireUuid } from '@healthsync/orm';
import type { Viewer } from '@healthsync/orm/auth';
import { canSeeArchived } from '../access.js';
import { type AuditScope, auditEvent, insertAuditEvent } from '../audit.js';
import {
  AuditEvent,
  Patient,
  type PatientChange,
  PatientIdentifier,
  type PatientIdentifierValue,
  PatientVersion,
} from '../entities.js';
import {
  normaliseMrn,
  type PatientChanges,
  type PatientDraft,
  type PatientFields,
  validateChanges,
  validateDraft,
} from './validation.js';

/** An authorised write: the actor is known (the resolver checked the role). */
export interface WriteScope extends AuditScope {
  viewer: Viewer;
}

const MRN_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U to misread

/** A fresh medical record number: `MRN-` and 10 random base32 characters (2^50 values). */
export function generateMrn(): string {
  const bytes = randomBytes(10);
  return `MRN-${[...bytes].map((byte) => MRN_ALPHABET[byte & 31]).join('')}`;
}

/** The record's fields as validation sees them. */
export function fieldsOf(patient: Patient): PatientFields {
  return {
    givenName: patient.givenName,
    familyName: patient.familyName,
    gender: patient.gender,
    birthDate: patient.birthDate ?? null,
    deceasedAt: patient.deceasedAt ?? null,
    email: patient.email ?? null,
    phone: patient.phone ?? null,
    address: patient.address ?? null,
    identifiers: patient.identifiers,
  };
}

/** What a history entry keeps: the record as it is after the write. */
export function snapshotOf(patient: Patient): Record<string, unknown> {
  return {
    id: patient.id,
    mrn: patient.mrn,
    version: patient.version,
    ...fieldsOf(patient),
    deceasedAt: patient.deceasedAt?.toISOString() ?? null,
    active: patient.active,
    replacedById: patient.replacedById ?? null,
    updatedAt: patient.updatedAt.toISOString(),
  };
}

/** The history row of a write: `patient` as it is afterwards. */
export function versionRow(patient: Patient, action: PatientChange, actorId: string) {
  return {
    id: randomUUID(),
    patient: patient.id,
    version: patient.version,
    action,
    changedAt: patient.updatedAt,
    changedById: actorId,
    snapshot: snapshotOf(patient),
  };
}

async function recordVersion(em: EntityManager, patient: Patient, action: PatientChange, actorId: string) {
  await em.insert(PatientVersion, versionRow(patient, action, actorId));
}

/** A new active record of validated `fields`, created by the caller (not yet flushed). */
export function newPatient(em: EntityManager, scope: WriteScope, mrn: string, fields: PatientFields): Patient {
  const now = new Date();
  return em.create(Patient, {
    id: randomUUID(),
    mrn,
    ...fields,
    active: true,
    createdAt: now,
    updatedAt: now,
    createdById: scope.viewer.userId,
    updatedById: scope.viewer.userId,
  });
}

async function replaceIdentifiers(em: EntityManager, patientId: string, identifiers: PatientIdentifierValue[]) {
  await em.nativeDelete(PatientIdentifier, { patient: patientId });
  if (identifiers.length)
    await em.insertMany(
      PatientIdentifier,
      identifiers.map((identifier) => ({ ...identifier, patient: patientId })),
    );
}

/** What a conflict says when it may not say with what (an archived record, to a non-ADMIN). */
export const GENERIC_CONFLICT = 'The patient conflicts with an existing record';

/** Unique violations are the caller's business (an MRN or identifier already taken): CONFLICT. */
function conflictOf(error: unknown): ConflictError | undefined {
  if (!(error instanceof UniqueConstraintViolationException)) return undefined;
  const constraint = (error as { constraint?: string }).constraint ?? '';
  if (constraint.includes('mrn')) return new ConflictError('mrn already belongs to another patient');
  if (constraint.startsWith('patient_identifier'))
    return new ConflictError('identifiers: a (system, value) pair already belongs to another patient');
  return new ConflictError(GENERIC_CONFLICT);
}

async function mapConflicts<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw conflictOf(error) ?? error;
  }
}

/**
 * The one way new patients are written, one (createPatient) or a batch (an import): each active
 * record of validated fields, its identifiers, its first history row and its audit row (`change`,
 * SUCCESS), a statement per table whatever the number of patients. Inside the caller's transaction.
 */
export async function insertNewPatients(
  tx: EntityManager,
  scope: WriteScope,
  records: { mrn: string; fields: PatientFields }[],
  change: Extract<PatientChange, 'CREATE' | 'IMPORT'>,
): Promise<Patient[]> {
  const patients = records.map(({ mrn, fields }) => newPatient(tx, scope, mrn, fields));
  await tx.flush();
  const identifiers = patients.flatMap((patient) =>
    patient.identifiers.map((identifier) => ({ ...identifier, patient: patient.id })),
  );
  if (identifiers.length) await tx.insertMany(PatientIdentifier, identifiers);
  await tx.insertMany(
    PatientVersion,
    patients.map((patient) => versionRow(patient, change, scope.viewer.userId)),
  );
  await tx.insertMany(
    AuditEvent,
    patients.map((patient) => auditEvent(scope, change, 'SUCCESS', patient.id)),
  );
  return patients;
}

/**
 * Creates a patient (action CREATE, or IMPORT for an import). The MRN is generated when the draft
 * has none; a taken MRN or identifier is CONFLICT and leaves nothing behind.
 */
export async function createPatient(
  em: EntityManager,
  scope: WriteScope,
  draft: PatientDraft,
  change: Extract<PatientChange, 'CREATE' | 'IMPORT'> = 'CREATE',
): Promise<Patient> {
  const fields = validateDraft(draft);
  const givenMrn = draft.mrn ? normaliseMrn(draft.mrn) : undefined;
  for (let attempt = 1; ; attempt++) {
    const mrn = givenMrn ?? generateMrn();
    try {
      const [patient] = await em.transactional((tx) => insertNewPatients(tx, scope, [{ mrn, fields }], change));
      return patient as Patient;
    } catch (error) {
      const conflict = conflictOf(error);
      // A generated MRN that collides (2^-50 odds per pair) is drawn again, not reported.
      if (conflict && !givenMrn && conflict.message.startsWith('mrn') && attempt < 3) continue;
      throw conflict ?? error;
    }
  }
}

/**
 * The patient a write may touch: NOT_FOUND when missing, or archived for a caller who cannot see
 * it; BAD_USER_INPUT when `id` cannot be an id at all.
 */
async function writablePatient(tx: EntityManager, scope: WriteScope, id: string): Promise<Patient> {
  const patient = await tx.findOne(Patient, { id: requireUuid(id, 'id') });
  if (!patient || (!patient.active && !canSeeArchived(scope.viewer))) throw new NotFoundError('Patient');
  return patient;
}

/**
 * Changes a patient when `expectedVersion` is still its version. The UPDATE itself checks the
 * version (optimistic lock), so of two concurrent writers with the same version exactly one wins;
 * the other gets CONFLICT and changes nothing.
 */
export async function updatePatient(
  em: EntityManager,
  scope: WriteScope,
  id: string,
  expectedVersion: number,
  changes: PatientChanges,
  change: Extract<PatientChange, 'UPDATE' | 'IMPORT'> = 'UPDATE',
): Promise<Patient> {
  try {
    return await mapConflicts(() =>
      em.transactional(async (tx) => {
        const patient = await writablePatient(tx, scope, id);
        if (!patient.active) throw new ConflictError('Patient is archived; restore it before changing it');
        if (patient.version !== expectedVersion)
          throw new ConflictError(`Patient is at version ${patient.version}, not ${expectedVersion}; reload and retry`);
        const fields = validateChanges(fieldsOf(patient), changes);
        Object.assign(patient, fields, { updatedAt: new Date(), updatedById: scope.viewer.userId });
        await tx.flush();
        if (changes.identifiers !== undefined) await replaceIdentifiers(tx, patient.id, fields.identifiers);
        await recordVersion(tx, patient, change, scope.viewer.userId);
        await insertAuditEvent(tx, auditEvent(scope, change, 'SUCCESS', patient.id));
        return patient;
      }),
    );
  } catch (error) {
    if (error instanceof OptimisticLockError)
      throw new ConflictError(`Patient was changed by someone else since version ${expectedVersion}; reload and retry`);
    throw error;
  }
}

async function setActive(em: EntityManager, scope: WriteScope, id: string, active: boolean): Promise<Patient> {
  const change = active ? 'RESTORE' : 'ARCHIVE';
  try {
    return await em.transactional(async (tx) => {
      const patient = await writablePatient(tx, scope, id);
      if (patient.replacedById)
        throw new ConflictError('Patient is merged into another record; unmergePatients undoes a merge');
      if (patient.active === active)
        throw new ConflictError(active ? 'Patient is not archived' : 'Patient is already archived');
      Object.assign(patient, { active, updatedAt: new Date(), updatedById: scope.viewer.userId });
      await tx.flush();
      await recordVersion(tx, patient, change, scope.viewer.userId);
      await insertAuditEvent(tx, auditEvent(scope, change, 'SUCCESS', patient.id));
      return patient;
    });
  } catch (error) {
    if (error instanceof OptimisticLockError) throw new ConflictError('Patient was changed concurrently; retry');
    throw error;
  }
}

/** Soft delete: the record and its history stay; default reads no longer show it. */
export function archivePatient(em: EntityManager, scope: WriteScope, id: string): Promise<Patient> {
  return setActive(em, scope, id, false);
}

/** Brings an archived patient back (the resolver allows ADMIN only). */
export function restorePatient(em: EntityManager, scope: WriteScope, id: string): Promise<Patient> {
  return setActive(em, scope, id, true);
}
