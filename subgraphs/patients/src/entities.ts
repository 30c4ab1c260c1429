import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { ROLES } from '@healthsync/orm/auth';
import { clinicalEntities } from './clinical/entities.js';
import { handWrittenIndexes } from './hand-written-indexes.js';

export const GENDERS = ['MALE', 'FEMALE', 'OTHER', 'UNKNOWN'] as const;
export type Gender = (typeof GENDERS)[number];
export const PATIENT_CHANGES = ['CREATE', 'UPDATE', 'ARCHIVE', 'RESTORE', 'IMPORT', 'MERGE', 'UNMERGE'] as const;
export type PatientChange = (typeof PATIENT_CHANGES)[number];
export const AUDIT_ACTIONS = [
  'CREATE',
  'READ',
  'SEARCH',
  'UPDATE',
  'ARCHIVE',
  'RESTORE',
  'IMPORT',
  'EXPORT',
  'MERGE',
  'UNMERGE',
  'AUDIT_READ',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_OUTCOMES = ['SUCCESS', 'DENIED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A user of the users subgraph, as this subgraph knows them: by id (no foreign key across schemas). */
export interface UserReference {
  id: string;
}

export interface PatientAddress {
  line: string[];
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface PatientIdentifierValue {
  system: string;
  value: string;
  /** FHIR `Identifier.use`: `old` on a merged source, whose identifiers its target now holds. */
  use?: 'old';
}

export const Patient = defineEntity({
  name: 'Patient',
  tableName: 'patient',
  indexes: [
    // User.patientsCreated: one user's patients, newest first, without a scan.
    { properties: ['createdById', 'createdAt', 'id'] },
    // Hand-written in the first migration (expressions, operator classes): declared here by name so
    // that generated migrations keep them.
    ...handWrittenIndexes('patient', [
      'patient_search_terms',
      'patient_mrn_prefix',
      'patient_family_name_id_index',
      'patient_created_at_id_index',
      'patient_updated_at_id_index',
      'patient_birth_date_asc_index',
      'patient_birth_date_desc_index',
      // patientSearch's places (src/nl-search/): active patients by folded city and state, and postal code.
      'patient_address_city',
      'patient_address_state',
      'patient_address_postal_code',
      // duplicateCandidates' blocking (src/patients/duplicates.ts), active records only.
      'patient_duplicate_name_sound',
      'patient_duplicate_family_sound',
      'patient_duplicate_phone',
      'patient_duplicate_email',
    ]),
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    mrn: p.string().length(32).unique(),
    version: p.integer().version(),
    givenName: p.string().length(100),
    familyName: p.string().length(100),
    gender: p.enum([...GENDERS]),
    /** ISO date (YYYY-MM-DD): a calendar date, no time zone. */
    birthDate: p.date().nullable(),
    deceasedAt: p.datetime().nullable(),
    email: p.string().length(254).nullable(),
    phone: p.string().length(16).nullable(),
    address: p.json<PatientAddress>().nullable(),
    /** What the API shows; `patient_identifier` holds the same pairs for uniqueness and lookup. */
    identifiers: p.json<PatientIdentifierValue[]>(),
    /** False once archived (soft delete), or merged into another record. */
    active: p.boolean().default(true),
    /**
     * The record this one was merged into (FHIR `Patient.link` replaced-by); null unless merged.
     * `patient_merge` keeps what each merge moved, and the foreign keys.
     */
    replacedById: p.uuid().nullable().index(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    /** Users live in the users subgraph's schema: ids only, no foreign key across schemas. */
    createdById: p.uuid().nullable(),
    updatedById: p.uuid().nullable(),
    /**
     * The words search compares (src/patients/search.ts): the name's parts folded (lower case, no
     * accents or apostrophes), and marked with `~` the forms ranked after them: runs of parts
     * joined (van Dijk is also ~vandijk) and transliterations (Bäumer is also ~baeumer). Computed and stored by
     * PostgreSQL (see the migration that adds it); never written by the service, not loaded with a patient.
     */
    searchTerms: p
      .array()
      .generated('patients.search_terms(given_name, family_name) stored')
      .lazy()
      // No default in the database: this only tells the ORM that creating a patient does not set it.
      .default(null),
    /** Letters of the folded name (search ranks an exact full name by it); generated like searchTerms. */
    searchNameLength: p
      .integer()
      .generated('patients.search_name_length(given_name, family_name) stored')
      .lazy()
      .default(null),
  },
});
export type Patient = InferEntity<typeof Patient>;

/** One (system, value) identifier: belongs to one patient, and a patient has one per system. */
export const PatientIdentifier = defineEntity({
  name: 'PatientIdentifier',
  tableName: 'patient_identifier',
  uniques: [{ properties: ['patient', 'system'] }],
  indexes: handWrittenIndexes('patient_identifier', [
    'patient_identifier_value_prefix',
    'patient_identifier_value_key',
  ]),
  properties: {
    system: p.string().length(255).primary(),
    value: p.string().length(100).primary(),
    patient: () => p.manyToOne(Patient).deleteRule('cascade'),
  },
});
export type PatientIdentifier = InferEntity<typeof PatientIdentifier>;

/**
 * The state of a patient after one write (history). Append-only like the audit log: the service
 * role may INSERT and SELECT only, a trigger refuses changes, and the foreign key RESTRICTs (a
 * patient with history cannot be deleted; patients are archived, never deleted).
 */
export const PatientVersion = defineEntity({
  name: 'PatientVersion',
  tableName: 'patient_version',
  // Its index also serves a patient's history newest first (scanned backwards).
  uniques: [{ properties: ['patient', 'version'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    patient: () => p.manyToOne(Patient).deleteRule('restrict').updateRule('restrict'),
    version: p.integer(),
    action: p.enum([...PATIENT_CHANGES]),
    changedAt: p.datetime(),
    changedById: p.uuid().nullable(),
    snapshot: p.json<Record<string, unknown>>(),
  },
});
export type PatientVersion = InferEntity<typeof PatientVersion>;

/**
 * One access to patient data (HIPAA audit controls). No PHI: ids, role, action and outcome only.
 * Append-only: the service role may INSERT and SELECT, nothing else (see the migration).
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  indexes: [{ properties: ['at', 'id'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    at: p.datetime().onCreate(() => new Date()),
    actorId: p.uuid().nullable().index(),
    actorRole: p.enum([...ROLES]).nullable(),
    action: p.enum([...AUDIT_ACTIONS]),
    /** `Patient`, `AuditEvent` (AUDIT_READ), or the FHIR type of a clinical resource. */
    resourceType: p.string().length(64).default('Patient'),
    /** No foreign key: denied attempts name ids that may not exist, and the log outlives records. */
    patientId: p.uuid().nullable().index(),
    outcome: p.enum([...AUDIT_OUTCOMES]),
    requestId: p.string().length(128),
    operationName: p.string().length(200).nullable(),
  },
});
export type AuditEvent = InferEntity<typeof AuditEvent>;

/**
 * Every distinct search term of every patient (`~` forms included), filled by
 * a trigger on patient: search looks a query's words up here (prefixes, typos) before it asks the
 * patients' index for the exact terms found. Terms are never removed (one no patient has any
 * more matches nobody).
 */
export const SearchTerm = defineEntity({
  name: 'SearchTerm',
  tableName: 'search_term',
  indexes: handWrittenIndexes('search_term', ['search_term_prefix']),
  properties: {
    term: p.text().primary(),
  },
});
export type SearchTerm = InferEntity<typeof SearchTerm>;

/**
 * One merge of a duplicate record (`source`) into the record kept (`target`), and what it moved:
 * the identifier rows (here) and the clinical resources (`patient_merge_resource`), so that
 * unmergePatients can move exactly those back. Kept after an unmerge, with who undid it and when.
 */
export const PatientMerge = defineEntity({
  name: 'PatientMerge',
  tableName: 'patient_merge',
  // Hand-written in the migration: at most one open (not undone) merge per source.
  indexes: handWrittenIndexes('patient_merge', ['patient_merge_open_source']),
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    source: () => p.manyToOne(Patient).deleteRule('restrict').updateRule('restrict').index(),
    target: () => p.manyToOne(Patient).deleteRule('restrict').updateRule('restrict').index(),
    mergedAt: p.datetime(),
    mergedById: p.uuid(),
    /** The source's identifiers before the merge (what it gets back). */
    sourceIdentifiers: p.json<PatientIdentifierValue[]>(),
    /** The `patient_identifier` rows the merge moved from source to target. */
    movedIdentifiers: p.json<PatientIdentifierValue[]>(),
    unmergedAt: p.datetime().nullable(),
    unmergedById: p.uuid().nullable(),
  },
});
export type PatientMerge = InferEntity<typeof PatientMerge>;

/** One clinical resource a merge moved from its source to its target. */
export const PatientMergeResource = defineEntity({
  name: 'PatientMergeResource',
  tableName: 'patient_merge_resource',
  properties: {
    merge: () => p.manyToOne(PatientMerge).primary().deleteRule('cascade'),
    /** The FHIR type (its table: src/clinical/types.ts). */
    resourceType: p.string().length(64).primary(),
    resourceId: p.string().length(64).primary(),
  },
});
export type PatientMergeResource = InferEntity<typeof PatientMergeResource>;

/** Every entity of the patients subgraph (what its ORM and its migrations know). */
export const entities = [
  Patient,
  PatientIdentifier,
  PatientVersion,
  AuditEvent,
  SearchTerm,
  PatientMerge,
  PatientMergeResource,
  ...clinicalEntities,
];
