/**
 * importPatients: FHIR Patient resources into patient records through the same write path as
 * createPatient/updatePatient (validation, history, audit in one transaction per record). Each
 * record stands alone: a rejected one is reported by index and leaves nothing behind, the others go on.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ConflictError, type Logger } from '@healthsync/orm';
import { canSeeArchived } from '../access.js';
import { type AuditCollector, auditEvent } from '../audit.js';
import { AuditEvent, Patient, PatientIdentifier, type PatientIdentifierValue, PatientVersion } from '../entities.js';
import {
  createPatient,
  fieldsOf,
  GENERIC_CONFLICT,
  generateMrn,
  newPatient,
  updatePatient,
  versionRow,
  type WriteScope,
} from '../patients/service.js';
import {
  normaliseMrn,
  type PatientChanges,
  type PatientDraft,
  type PatientFields,
  validateChanges,
  validateDraft,
} from '../patients/validation.js';
import { type ImportedPatient, importRecordsOf, readPatientResource } from './patient-resource.js';

export interface ImportFailure {
  index: number;
  message: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** Matched an existing patient whose modelled fields already said the same: nothing written. */
  unchanged: number;
  failed: ImportFailure[];
}

export interface ImportDependencies {
  em: EntityManager;
  scope: WriteScope;
  /** Where FAILED rows go (outside the record's rolled-back transaction). */
  audit: AuditCollector;
  logger: Logger;
}

const keyOf = (system: string, value: string) => `${system}\u0000${value}`;
/** MRNs and identifiers share one key space in a call's bookkeeping; no identifier system is empty. */
const MRN_KEY = '';

/** Existing records by identifier key and by MRN, for every record of the call in two statements. */
async function lookUp(em: EntityManager, patients: ImportedPatient[]) {
  const pairs = patients.flatMap((patient) => patient.identifiers);
  const mrns = [...new Set(patients.flatMap((patient) => (patient.mrn ? [patient.mrn] : [])))];
  const [identifiers, byMrn] = await Promise.all([
    pairs.length
      ? em.find(PatientIdentifier, { $or: pairs.map(({ system, value }) => ({ system, value })) })
      : Promise.resolve([]),
    mrns.length ? em.find(Patient, { mrn: { $in: mrns } }) : Promise.resolve([]),
  ]);
  const patientIdByKey = new Map(identifiers.map((row) => [keyOf(row.system, row.value), row.patient.id]));
  const patientIdByMrn = new Map(byMrn.map((patient) => [patient.mrn, patient.id]));
  const byId = new Map(byMrn.map((patient) => [patient.id, patient]));
  const ids = [...new Set(patientIdByKey.values())].filter((id) => !byId.has(id));
  if (ids.length) for (const patient of await em.find(Patient, { id: { $in: ids } })) byId.set(patient.id, patient);
  return { patientIdByKey, patientIdByMrn, byId };
}

/** The one existing patient a record names through its MRN or identifiers, if any. */
function matchOf(imported: ImportedPatient, known: Awaited<ReturnType<typeof lookUp>>): string | undefined {
  const ids = new Set<string>();
  const byMrn = imported.mrn ? known.patientIdByMrn.get(imported.mrn) : undefined;
  if (byMrn) ids.add(byMrn);
  for (const { system, value } of imported.identifiers) {
    const id = known.patientIdByKey.get(keyOf(system, value));
    if (id) ids.add(id);
  }
  if (ids.size > 1)
    throw new ConflictError(`its identifiers belong to ${ids.size} different patients; nothing was changed`);
  return [...ids][0];
}

/** Stable text of the modelled fields, to tell "the same again" from a change. */
function sameFields(a: PatientFields, b: PatientFields): boolean {
  const canonical = (fields: PatientFields) =>
    JSON.stringify({
      ...fields,
      deceasedAt: fields.deceasedAt ? new Date(fields.deceasedAt).toISOString() : null,
      address: fields.address
        ? {
            line: fields.address.line,
            city: fields.address.city ?? null,
            state: fields.address.state ?? null,
            postalCode: fields.address.postalCode ?? null,
            country: fields.address.country ?? null,
          }
        : null,
      // jsonb does not keep key order: the pairs are rebuilt in one order.
      identifiers: fields.identifiers
        .map(({ system, value }) => ({ system, value }))
        .sort((x, y) => x.system.localeCompare(y.system)),
    });
  return canonical(a) === canonical(b);
}

/**
 * The resource replaces the modelled fields (a FHIR update), except that identifiers of systems it
 * does not mention are kept: they are other systems' keys to the same patient.
 */
function changesOf(imported: ImportedPatient, current: PatientFields): PatientChanges {
  const systems = new Set(imported.identifiers.map((identifier) => identifier.system));
  const identifiers: PatientIdentifierValue[] = [
    ...imported.identifiers,
    ...current.identifiers.filter((identifier) => !systems.has(identifier.system)),
  ];
  return {
    givenName: imported.givenName,
    familyName: imported.familyName,
    gender: imported.gender,
    birthDate: imported.birthDate,
    ...(imported.deceasedAt !== undefined ? { deceasedAt: imported.deceasedAt } : {}),
    email: imported.email,
    phone: imported.phone,
    address: imported.address,
    identifiers,
  };
}

/** The record as a new patient's draft ("deceased" without a date is no date). */
function draftOf({ deceasedAt, ...imported }: ImportedPatient): PatientDraft {
  return { ...imported, deceasedAt: deceasedAt ?? null };
}

type Outcome = { kind: 'created' | 'updated' | 'unchanged'; patient: Patient };

async function importOne(
  deps: ImportDependencies,
  imported: ImportedPatient,
  known: Awaited<ReturnType<typeof lookUp>>,
): Promise<Outcome> {
  const { em, scope } = deps;
  const id = matchOf(imported, known);
  const existing = id ? known.byId.get(id) : undefined;
  if (!existing) {
    const patient = await createPatient(em, scope, draftOf(imported), 'IMPORT');
    return { kind: 'created', patient };
  }
  // Archived records look missing to anyone but an ADMIN: the conflict does not say why.
  if (!existing.active)
    throw new ConflictError(
      canSeeArchived(scope.viewer) ? 'it matches an archived patient; restore that patient first' : GENERIC_CONFLICT,
    );
  const current = fieldsOf(existing);
  const changes = changesOf(imported, current);
  if (sameFields(validateChanges(current, changes), current)) return { kind: 'unchanged', patient: existing };
  const patient = await updatePatient(em, scope, existing.id, existing.version, changes, 'IMPORT');
  return { kind: 'updated', patient };
}

/** Later records of the same call find what earlier ones created, without another lookup. */
function remember(known: Awaited<ReturnType<typeof lookUp>>, patient: Patient) {
  known.byId.set(patient.id, patient);
  known.patientIdByMrn.set(patient.mrn, patient.id);
  for (const { system, value } of patient.identifiers) known.patientIdByKey.set(keyOf(system, value), patient.id);
}

/**
 * New patients of one call in one transaction, a statement per table instead of per record: the
 * same rows createPatient writes (record, identifiers, history entry IMPORT, audit row IMPORT
 * SUCCESS), built by the same functions. All or nothing: the caller retries one by one on failure.
 */
async function createMany(
  deps: ImportDependencies,
  records: { mrn: string | undefined; fields: PatientFields }[],
): Promise<Patient[]> {
  const { scope } = deps;
  return deps.em.transactional(async (tx) => {
    const patients = records.map(({ mrn, fields }) => newPatient(tx, scope, mrn ?? generateMrn(), fields));
    await tx.flush();
    const identifiers = patients.flatMap((patient) =>
      patient.identifiers.map((identifier) => ({ ...identifier, patient: patient.id })),
    );
    if (identifiers.length) await tx.insertMany(PatientIdentifier, identifiers);
    await tx.insertMany(
      PatientVersion,
      patients.map((patient) => versionRow(patient, 'IMPORT', scope.viewer.userId)),
    );
    await tx.insertMany(
      AuditEvent,
      patients.map((patient) => auditEvent(scope, 'IMPORT', 'SUCCESS', patient.id)),
    );
    return patients;
  });
}

/**
 * Imports `resources` (a FHIR Patient, an array of them or a Bundle): creates the patients no MRN
 * or identifier (system + value) matches and updates the ones that do. BAD_USER_INPUT for a call
 * that is not one of those shapes or is over IMPORT_LIMITS; per-record problems are in `failed`.
 */
export async function importPatients(deps: ImportDependencies, resources: unknown): Promise<ImportResult> {
  const records = importRecordsOf(resources);
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, failed: [] };
  const fail = (index: number, message: string, patientId?: string) => {
    result.failed.push({ index, message });
    deps.audit.record(auditEvent(deps.scope, 'IMPORT', 'FAILED', patientId));
  };

  const readable: { index: number; patient: ImportedPatient }[] = [];
  for (const record of records) {
    if ('error' in record) {
      fail(record.index, record.error);
      continue;
    }
    try {
      const patient = readPatientResource(record.resource);
      readable.push({ index: record.index, patient: { ...patient, mrn: patient.mrn && normaliseMrn(patient.mrn) } });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(record.index, error.message);
    }
  }

  const known = await lookUp(
    deps.em,
    readable.map((record) => record.patient),
  );
  const one = async ({ index, patient }: { index: number; patient: ImportedPatient }) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await importOne(deps, patient, known);
        result[outcome.kind]++;
        remember(known, outcome.patient);
        return;
      } catch (error) {
        // Another import created the same identifier meanwhile: look again, then update it.
        if (error instanceof ConflictError && attempt === 1 && error.message.startsWith('identifiers')) {
          for (const found of (await lookUp(deps.em, [patient])).byId.values()) remember(known, found);
          continue;
        }
        if (error instanceof AppError) {
          fail(index, error.message);
        } else {
          deps.logger.error({ err: error, index }, 'import of one record failed');
          fail(index, 'Internal error: the record was not imported');
        }
        return;
      }
    }
  };

  // New patients whose keys no earlier record of the call uses are created together; the rest
  // (updates, repeats within the call) go one by one afterwards, in their order.
  const fresh: { index: number; patient: ImportedPatient; fields: PatientFields }[] = [];
  const oneByOne: { index: number; patient: ImportedPatient }[] = [];
  const claimed = new Set<string>();
  for (const record of readable) {
    const { index, patient } = record;
    const keys = [
      ...patient.identifiers.map(({ system, value }) => keyOf(system, value)),
      ...(patient.mrn ? [keyOf(MRN_KEY, patient.mrn)] : []),
    ];
    try {
      if (matchOf(patient, known) || keys.some((key) => claimed.has(key))) {
        oneByOne.push(record);
        continue;
      }
      const fields = validateDraft(draftOf(patient));
      for (const key of keys) claimed.add(key);
      fresh.push({ index, patient, fields });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(index, error.message);
    }
  }
  if (fresh.length) {
    try {
      for (const patient of await createMany(
        deps,
        fresh.map(({ patient, fields }) => ({ mrn: patient.mrn, fields })),
      ))
        remember(known, patient);
      result.created += fresh.length;
    } catch (error) {
      // One of them conflicts (a concurrent import, a taken MRN): each is tried alone, so the
      // error lands on its own record.
      deps.logger.debug({ err: error }, 'bulk import fell back to one record at a time');
      for (const record of fresh) await one(record);
    }
  }
  for (const record of oneByOne) await one(record);
  result.failed.sort((a, b) => a.index - b.index);
  return result;
}
