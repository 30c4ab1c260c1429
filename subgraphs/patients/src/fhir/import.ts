/**
 * importPatients: FHIR Patient resources into patient records through the same write path as
 * createPatient/updatePatient (validation, history, audit in one transaction per record), and the
 * clinical resources about them into the clinical record, in the same transaction as their patient.
 * Each record stands alone: a rejected one is reported by index and leaves nothing behind, the
 * others go on. Resource types we do not model are counted as skipped.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ConflictError, type Logger } from '@healthsync/orm';
import { executeBound } from '@healthsync/orm/database';
import { canSeeArchived } from '../access.js';
import { type AuditCollector, auditEvent } from '../audit.js';
import { Patient, PatientIdentifier, type PatientIdentifierValue } from '../entities.js';
import {
  createPatient,
  fieldsOf,
  GENERIC_CONFLICT,
  generateMrn,
  insertNewPatients,
  updatePatient,
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
import { type ClinicalDraft, isClinicalType, readClinicalResource } from '../clinical/fhir-in.js';
import {
  type CallPatients,
  clinicalWrite,
  identifierKey,
  type PatientTarget,
  patientTargetOf,
} from '../clinical/references.js';
import { sqlArray } from '../clinical/sql-array.js';
import { type ClinicalWrite, type WriteOutcome, writeClinical } from '../clinical/write.js';
import { MRN_SYSTEM } from './patient-out.js';
import { type ImportedPatient, importRecordsOf, readPatientResource } from './patient-in.js';

export interface ImportFailure {
  index: number;
  message: string;
}

/** What a call did to one resource type. */
export interface ResourceCounts {
  resourceType: string;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Resources of a type we do not model (Claim, Organization…): read past, never an error. */
  skipped: number;
}

export interface ImportResult {
  /** Patients created, updated, unchanged (every type's counts are in `resources`). */
  created: number;
  updated: number;
  /** Matched an existing patient whose modelled fields already said the same: nothing written. */
  unchanged: number;
  failed: ImportFailure[];
  /** Per resource type, Patient first, in the order the types first appear. */
  resources: ResourceCounts[];
  /** The patients created (ImportResult.possibleDuplicates looks at them when asked). */
  createdIds: string[];
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
 * New patients of one call in one transaction (insertNewPatients, as createPatient writes them,
 * action IMPORT); then, in the same transaction, `withPatients` writes what belongs to them (their
 * clinical resources). All or nothing: the caller retries one by one on failure.
 */
async function createMany(
  deps: ImportDependencies,
  records: { mrn: string | undefined; fields: PatientFields }[],
  withPatients: (tx: EntityManager, patients: Patient[]) => Promise<void>,
): Promise<Patient[]> {
  const { scope } = deps;
  return deps.em.transactional(async (tx) => {
    const patients = await insertNewPatients(
      tx,
      scope,
      records.map(({ mrn, fields }) => ({ mrn: mrn ?? generateMrn(), fields })),
      'IMPORT',
    );
    await withPatients(tx, patients);
    return patients;
  });
}

/** The per-type counts of a call, in the order the types first appear (Patient first). */
class ResourceTally {
  private readonly byType = new Map<string, ResourceCounts>([
    ['Patient', { resourceType: 'Patient', created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 }],
  ]);

  add(resourceType: string, kind: keyof Omit<ResourceCounts, 'resourceType'>) {
    let counts = this.byType.get(resourceType);
    if (!counts) {
      counts = { resourceType, created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
      this.byType.set(resourceType, counts);
    }
    counts[kind]++;
  }

  /** The types the call carried. */
  counts(): ResourceCounts[] {
    return [...this.byType.values()].filter(
      (counts) => counts.created + counts.updated + counts.unchanged + counts.failed + counts.skipped > 0,
    );
  }
}

interface ClinicalRecord {
  index: number;
  fullUrl: string | undefined;
  draft: ClinicalDraft;
  target: PatientTarget;
}

/**
 * Patients stored before this call that clinical resources name (by id, or by identifier or MRN
 * in a conditional reference): two statements at most, whatever the number of resources.
 */
async function lookUpTargets(em: EntityManager, records: ClinicalRecord[]) {
  const ids = new Set<string>();
  const pairs = new Map<string, { system: string; value: string }>();
  for (const { target } of records) {
    if ('id' in target) ids.add(target.id);
    if ('identifier' in target)
      pairs.set(identifierKey(target.identifier.system, target.identifier.value), target.identifier);
  }
  const mrns = [...pairs.values()].filter((pair) => pair.system === MRN_SYSTEM).map((pair) => normaliseMrn(pair.value));
  const others = [...pairs.values()].filter((pair) => pair.system !== MRN_SYSTEM);
  type Found = { id: string; mrn: string; active: boolean; asked?: string; system?: string; value?: string };
  const [byId, byIdentifier] = await Promise.all([
    ids.size || mrns.length
      ? // A merged record's resources go to the record it was merged into (as its identifiers did).
        executeBound<Found>(
          em,
          `SELECT p.id AS asked, coalesce(t.id, p.id) AS id, p.mrn, coalesce(t.active, p.active) AS active
           FROM patients.patient p LEFT JOIN patients.patient t ON t.id = p.replaced_by_id
           WHERE p.id = ANY (?::uuid[]) OR p.mrn = ANY (?::text[])`,
          [sqlArray([...ids]), sqlArray(mrns)],
        )
      : Promise.resolve([]),
    others.length
      ? executeBound<Found>(
          em,
          `SELECT i.system, i.value, p.id, p.mrn, p.active FROM patients.patient_identifier i
           JOIN patients.patient p ON p.id = i.patient_id
           WHERE (i.system, i.value) IN (SELECT * FROM unnest(?::text[], ?::text[]))`,
          [sqlArray(others.map((pair) => pair.system)), sqlArray(others.map((pair) => pair.value))],
        )
      : Promise.resolve([]),
  ]);
  const found = new Map<string, { id: string; active: boolean }>();
  for (const patient of byId) {
    found.set(`id:${patient.asked}`, patient);
    found.set(`key:${identifierKey(MRN_SYSTEM, patient.mrn)}`, patient);
  }
  for (const row of byIdentifier) found.set(`key:${identifierKey(row.system ?? '', row.value ?? '')}`, row);
  return (target: PatientTarget) => {
    if ('id' in target) return found.get(`id:${target.id}`);
    if (!('identifier' in target)) return undefined;
    const { system, value } = target.identifier;
    return found.get(`key:${identifierKey(system, system === MRN_SYSTEM ? normaliseMrn(value) : value)}`);
  };
}

/**
 * Imports `resources` (a FHIR resource, an array of them or a Bundle): creates the patients no MRN
 * or identifier (system + value) matches and updates the ones that do, and writes the clinical
 * resources about them (each with its patient, in that patient's transaction). BAD_USER_INPUT for
 * a call that is not one of those shapes or is over IMPORT_LIMITS; per-record problems are in `failed`.
 */
export async function importPatients(deps: ImportDependencies, resources: unknown): Promise<ImportResult> {
  const records = importRecordsOf(resources);
  const tally = new ResourceTally();
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, failed: [], resources: [], createdIds: [] };
  const fail = (index: number, message: string, patientId?: string, resourceType?: string) => {
    result.failed.push({ index, message });
    if (resourceType) tally.add(resourceType, 'failed');
    deps.audit.record(auditEvent(deps.scope, 'IMPORT', 'FAILED', patientId, resourceType));
  };

  const readable: { index: number; patient: ImportedPatient }[] = [];
  const clinicalResources: { index: number; fullUrl: string | undefined; draft: ClinicalDraft }[] = [];
  const call: CallPatients = { byFullUrl: new Map(), byFhirId: new Map(), byIdentifier: new Map() };
  for (const record of records) {
    if ('error' in record) {
      fail(record.index, record.error);
      continue;
    }
    const type = record.resource.resourceType as string;
    if (type !== 'Patient') {
      if (!isClinicalType(type)) {
        tally.add(type, 'skipped');
        continue;
      }
      try {
        clinicalResources.push({
          index: record.index,
          fullUrl: record.fullUrl,
          draft: readClinicalResource(record.resource, record.fullUrl),
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        fail(record.index, error.message, undefined, type);
      }
      continue;
    }
    try {
      const patient = readPatientResource(record.resource);
      readable.push({ index: record.index, patient: { ...patient, mrn: patient.mrn && normaliseMrn(patient.mrn) } });
      if (record.fullUrl) call.byFullUrl.set(record.fullUrl, record.index);
      if (typeof record.resource.id === 'string') call.byFhirId.set(record.resource.id, record.index);
      for (const { system, value } of patient.identifiers)
        call.byIdentifier.set(identifierKey(system, value), record.index);
      if (patient.mrn) call.byIdentifier.set(identifierKey(MRN_SYSTEM, normaliseMrn(patient.mrn)), record.index);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(record.index, error.message, undefined, 'Patient');
    }
  }

  // Each clinical resource's patient: a Patient entry of this call, or one stored before it.
  const clinical: ClinicalRecord[] = [];
  for (const resource of clinicalResources) {
    const target = patientTargetOf(resource.draft.patientReference, call);
    if ('error' in target)
      fail(resource.index, `${resource.draft.resourceType}: ${target.error}`, undefined, resource.draft.resourceType);
    else clinical.push({ ...resource, target });
  }
  // References between the call's clinical resources, as they are stored (`<Type>/<id>`).
  const inCall = new Map<string, string>();
  for (const { fullUrl, draft } of clinical) if (fullUrl) inCall.set(fullUrl, `${draft.resourceType}/${draft.id}`);
  const byEntry = new Map<number, ClinicalRecord[]>();
  const stored: ClinicalRecord[] = [];
  for (const record of clinical) {
    if ('entry' in record.target) {
      const list = byEntry.get(record.target.entry) ?? [];
      list.push(record);
      byEntry.set(record.target.entry, list);
    } else stored.push(record);
  }

  /** Writes the clinical records of `patient` (inside `tx`); their outcomes are counted once it commits. */
  const pending = new Map<ClinicalRecord, WriteOutcome>();
  const writeFor = async (tx: EntityManager, owned: { record: ClinicalRecord; patientId: string }[]) => {
    if (!owned.length) return;
    const writes = new Map<ClinicalWrite, ClinicalRecord>();
    for (const { record, patientId } of owned) writes.set(clinicalWrite(record.draft, patientId, inCall), record);
    for (const [write, outcome] of await writeClinical(tx, deps.scope, [...writes.keys()]))
      pending.set(writes.get(write) as ClinicalRecord, outcome);
  };
  const settle = (patientId: string | undefined) => {
    for (const [record, outcome] of pending) {
      if (outcome.kind === 'failed') fail(record.index, outcome.message, patientId, record.draft.resourceType);
      else tally.add(record.draft.resourceType, outcome.kind);
    }
    pending.clear();
  };
  const failOwned = (entry: number, message: string) => {
    for (const record of byEntry.get(entry) ?? [])
      fail(record.index, `${record.draft.resourceType}: ${message}`, undefined, record.draft.resourceType);
  };

  const known = await lookUp(
    deps.em,
    readable.map((record) => record.patient),
  );
  const one = async ({ index, patient }: { index: number; patient: ImportedPatient }) => {
    const owned = byEntry.get(index) ?? [];
    for (let attempt = 1; ; attempt++) {
      try {
        // With clinical resources, the patient and they commit together (the patient's own
        // transaction becomes a savepoint of this one).
        const outcome = owned.length
          ? await deps.em.transactional(async (tx) => {
              const done = await importOne({ ...deps, em: tx }, patient, known);
              await writeFor(
                tx,
                owned.map((record) => ({ record, patientId: done.patient.id })),
              );
              return done;
            })
          : await importOne(deps, patient, known);
        result[outcome.kind]++;
        if (outcome.kind === 'created') result.createdIds.push(outcome.patient.id);
        tally.add('Patient', outcome.kind);
        remember(known, outcome.patient);
        settle(outcome.patient.id);
        return;
      } catch (error) {
        pending.clear();
        // Another import created the same identifier meanwhile: look again, then update it.
        if (error instanceof ConflictError && attempt === 1 && error.message.startsWith('identifiers')) {
          for (const found of (await lookUp(deps.em, [patient])).byId.values()) remember(known, found);
          continue;
        }
        if (error instanceof AppError) {
          fail(index, error.message, undefined, 'Patient');
          failOwned(index, `its patient (entry ${index}) was not imported`);
        } else {
          deps.logger.error({ err: error, index }, 'import of one record failed');
          fail(index, 'Internal error: the record was not imported', undefined, 'Patient');
          failOwned(index, `its patient (entry ${index}) was not imported`);
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
      fail(index, error.message, undefined, 'Patient');
      failOwned(index, `its patient (entry ${index}) was not imported`);
    }
  }
  if (fresh.length) {
    try {
      const created = await createMany(
        deps,
        fresh.map(({ patient, fields }) => ({ mrn: patient.mrn, fields })),
        (tx, patients) =>
          writeFor(
            tx,
            fresh.flatMap(({ index }, i) =>
              (byEntry.get(index) ?? []).map((record) => ({ record, patientId: patients[i]?.id as string })),
            ),
          ),
      );
      for (const patient of created) remember(known, patient);
      result.created += fresh.length;
      result.createdIds.push(...created.map((patient) => patient.id));
      for (let i = 0; i < fresh.length; i++) tally.add('Patient', 'created');
      settle(undefined);
    } catch (error) {
      pending.clear();
      // One of them conflicts (a concurrent import, a taken MRN): each is tried alone, so the
      // error lands on its own record.
      deps.logger.debug({ err: error }, 'bulk import fell back to one record at a time');
      for (const record of fresh) await one(record);
    }
  }
  for (const record of oneByOne) await one(record);

  // Clinical resources of patients stored before this call: one transaction for all of them.
  if (stored.length) {
    const patientOf = await lookUpTargets(deps.em, stored);
    const owned: { record: ClinicalRecord; patientId: string }[] = [];
    for (const record of stored) {
      const patient = patientOf(record.target);
      const type = record.draft.resourceType;
      // An archived patient looks missing to anyone but an ADMIN, as everywhere else.
      if (!patient || (!patient.active && !canSeeArchived(deps.scope.viewer)))
        fail(record.index, `${type}: no patient matches ${record.draft.patientReference}`, undefined, type);
      else if (!patient.active)
        fail(record.index, `${type}: its patient is archived; restore that patient first`, patient.id, type);
      else owned.push({ record, patientId: patient.id });
    }
    try {
      await deps.em.transactional((tx) => writeFor(tx, owned));
      settle(undefined);
    } catch (error) {
      pending.clear();
      deps.logger.error({ err: error }, 'import of clinical resources failed');
      for (const { record } of owned)
        fail(record.index, 'Internal error: the record was not imported', undefined, record.draft.resourceType);
    }
  }
  result.failed.sort((a, b) => a.index - b.index);
  result.resources = tally.counts();
  return result;
}
