import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Patient as PatientEntity, PatientVersion as PatientVersionEntity, AuditEvent as AuditEventEntity, UserReference as UserReferenceEntity } from '../entities.js';
import type { ImportResult as ImportResultEntity } from '../fhir/import.js';
import type { DuplicateCandidate as DuplicateCandidateEntity } from '../patients/duplicates.js';
import type { PatientPage as PatientPageEntity } from '../patients/list.js';
import type { PatientSearchResult as PatientSearchResultEntity, SearchInterpretationView as SearchInterpretationViewEntity } from '../nl-search/patient-search.js';
import type { Condition as ConditionEntity, Observation as ObservationEntity, ObservationComponentValue as ObservationComponentValueEntity, MedicationRequest as MedicationRequestEntity, AllergyIntolerance as AllergyIntoleranceEntity, Immunization as ImmunizationEntity, Procedure as ProcedureEntity, Encounter as EncounterEntity, CodingValue as CodingValueEntity, QuantityValue as QuantityValueEntity } from '../clinical/entities.js';
import type { ClinicalPage as ClinicalPageEntity } from '../clinical/read.js';
import type { SummaryOf as SummaryOfEntity } from '../clinical/summary.js';
import type { PatientsContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: Date; output: Date; }
  EmailAddress: { input: string; output: string; }
  /** Any JSON value (FHIR resources as they are). */
  JSON: { input: unknown; output: unknown; }
  JSONObject: { input: Record<string, unknown>; output: Record<string, unknown>; }
  LocalDate: { input: string; output: string; }
  PhoneNumber: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A postal address (FHIR R4 `Address`). */
export type Address = {
  __typename?: 'Address';
  city?: Maybe<Scalars['String']['output']>;
  /** ISO 3166 country code or name. */
  country?: Maybe<Scalars['String']['output']>;
  /** Street lines, house number first; at most 4. */
  line: Array<Scalars['String']['output']>;
  postalCode?: Maybe<Scalars['String']['output']>;
  state?: Maybe<Scalars['String']['output']>;
};

export type AddressInput = {
  city?: InputMaybe<Scalars['String']['input']>;
  country?: InputMaybe<Scalars['String']['input']>;
  line?: InputMaybe<Array<Scalars['String']['input']>>;
  postalCode?: InputMaybe<Scalars['String']['input']>;
  state?: InputMaybe<Scalars['String']['input']>;
};

/** An allergy or intolerance (FHIR R4 AllergyIntolerance). */
export type AllergyIntolerance = {
  __typename?: 'AllergyIntolerance';
  /** food, medication, environment or biologic. */
  category?: Maybe<Scalars['String']['output']>;
  clinicalStatus?: Maybe<Scalars['String']['output']>;
  code: Coding;
  /** low, high or unable-to-assess. */
  criticality?: Maybe<Scalars['String']['output']>;
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  recordedAt?: Maybe<Scalars['DateTime']['output']>;
  verificationStatus?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

export type AuditAction =
  | 'ARCHIVE'
  /** A read of the audit log itself (`auditEvents`). */
  | 'AUDIT_READ'
  | 'CREATE'
  | 'EXPORT'
  | 'IMPORT'
  /** mergePatients: one row for the source, one for the target. */
  | 'MERGE'
  | 'READ'
  | 'RESTORE'
  | 'SEARCH'
  /** unmergePatients: one row for each record. */
  | 'UNMERGE'
  | 'UPDATE';

/**
 * One access to patient data. Holds no patient data itself (no names, no search text). A search or
 * list writes one SEARCH row per patient it returned.
 */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  action: AuditAction;
  actor?: Maybe<User>;
  /** Null when the caller was anonymous. */
  actorId?: Maybe<Scalars['ID']['output']>;
  actorRole?: Maybe<Role>;
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  operationName?: Maybe<Scalars['String']['output']>;
  outcome: AuditOutcome;
  patientId?: Maybe<Scalars['ID']['output']>;
  requestId: Scalars['String']['output'];
  /** What was read or written: a FHIR resource type (`Patient`, `Condition`, `Observation`…), or `AuditEvent` for AUDIT_READ. */
  resourceType: Scalars['String']['output'];
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  edges: Array<AuditEventEdge>;
  pageInfo: PageInfo;
};

export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  cursor: Scalars['String']['output'];
  node: AuditEvent;
};

export type AuditEventFilter = {
  action?: InputMaybe<AuditAction>;
  actorId?: InputMaybe<Scalars['ID']['input']>;
  /** Events at or after this time. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  patientId?: InputMaybe<Scalars['ID']['input']>;
  /** Events before this time. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type AuditOutcome =
  | 'DENIED'
  | 'FAILED'
  | 'SUCCESS';

/** A code from a code system (FHIR R4 `Coding`): SNOMED CT, LOINC, RxNorm, CVX… */
export type Coding = {
  __typename?: 'Coding';
  code: Scalars['String']['output'];
  display?: Maybe<Scalars['String']['output']>;
  /** The code system's URI (`http://snomed.info/sct`, `http://loinc.org`…). */
  system?: Maybe<Scalars['String']['output']>;
};

/**
 * A problem or diagnosis (FHIR R4 Condition). Every type of the clinical record keeps the FHIR `id`
 * it was imported with, a `version` (`meta.versionId`) and `lastUpdated`, and has its FHIR resource
 * in `fhir`.
 */
export type Condition = {
  __typename?: 'Condition';
  abatedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Unless clinicalStatus is resolved, inactive or remission, or the condition has an abatement. */
  active: Scalars['Boolean']['output'];
  /** active, recurrence, relapse, inactive, remission or resolved. */
  clinicalStatus?: Maybe<Scalars['String']['output']>;
  code: Coding;
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  onsetAt?: Maybe<Scalars['DateTime']['output']>;
  recordedAt?: Maybe<Scalars['DateTime']['output']>;
  verificationStatus?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

export type CreatePatientInput = {
  address?: InputMaybe<AddressInput>;
  /** Not in the future. */
  birthDate?: InputMaybe<Scalars['LocalDate']['input']>;
  deceasedAt?: InputMaybe<Scalars['DateTime']['input']>;
  email?: InputMaybe<Scalars['EmailAddress']['input']>;
  familyName: Scalars['String']['input'];
  gender?: Gender;
  givenName: Scalars['String']['input'];
  /** At most one per system; a (system, value) pair belongs to one patient. */
  identifiers?: InputMaybe<Array<IdentifierInput>>;
  /** Generated when not given. */
  mrn?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['PhoneNumber']['input']>;
};

/** Another record that may be the same person (see duplicateCandidates). */
export type DuplicateCandidate = {
  __typename?: 'DuplicateCandidate';
  patient: Patient;
  /** Why, in words: `same birth date`, `given name Jon ~ Jonathan`, `different identifier of urn:oid:…`. */
  reasons: Array<Scalars['String']['output']>;
  /** 0 to 1: how likely the two records are one person. 0.8 and above: likely (the recommended threshold). */
  score: Scalars['Float']['output'];
};

/** A visit or admission (FHIR R4 Encounter). */
export type Encounter = {
  __typename?: 'Encounter';
  /** class.code: AMB (ambulatory), EMER, IMP (inpatient)… */
  class?: Maybe<Scalars['String']['output']>;
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  period: Period;
  reason?: Maybe<Coding>;
  status: Scalars['String']['output'];
  type?: Maybe<Coding>;
  version: Scalars['Int']['output'];
};

export type EncounterConnection = {
  __typename?: 'EncounterConnection';
  edges: Array<EncounterEdge>;
  pageInfo: PageInfo;
};

export type EncounterEdge = {
  __typename?: 'EncounterEdge';
  cursor: Scalars['String']['output'];
  node: Encounter;
};

/** Administrative gender, as FHIR R4 `Patient.gender`. */
export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'OTHER'
  | 'UNKNOWN';

/** A business identifier of the patient in another system (FHIR R4 `Identifier`). */
export type Identifier = {
  __typename?: 'Identifier';
  /** The namespace of the value, usually a URI (e.g. `urn:oid:2.16.840.1.113883.4.1` for a US SSN). */
  system: Scalars['String']['output'];
  /** FHIR `Identifier.use`: `old` on a merged record's identifiers (the record it was merged into holds them now); null otherwise. */
  use?: Maybe<Scalars['String']['output']>;
  value: Scalars['String']['output'];
};

export type IdentifierInput = {
  system: Scalars['String']['input'];
  value: Scalars['String']['input'];
};

/** A vaccination (FHIR R4 Immunization). */
export type Immunization = {
  __typename?: 'Immunization';
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  occurredAt?: Maybe<Scalars['DateTime']['output']>;
  status: Scalars['String']['output'];
  vaccine: Coding;
  version: Scalars['Int']['output'];
};

/** One record importPatients did not import, and why; nothing of it was written. */
export type ImportFailure = {
  __typename?: 'ImportFailure';
  /** Position of the record: the array index, the Bundle entry index, or 0 for a single resource. */
  index: Scalars['Int']['output'];
  message: Scalars['String']['output'];
};

/** What an importPatients call did to one resource type. */
export type ImportResourceCount = {
  __typename?: 'ImportResourceCount';
  created: Scalars['Int']['output'];
  failed: Scalars['Int']['output'];
  resourceType: Scalars['String']['output'];
  /** Of a type HealthSync does not model (Claim, Organization, Provenance…): read past, not an error. */
  skipped: Scalars['Int']['output'];
  /** Already stored with the same content: nothing written. */
  unchanged: Scalars['Int']['output'];
  updated: Scalars['Int']['output'];
};

/** What an importPatients call did, record by record. */
export type ImportResult = {
  __typename?: 'ImportResult';
  /** Patients created (every type's counts are in `resources`). */
  created: Scalars['Int']['output'];
  failed: Array<ImportFailure>;
  /** Patients this call created that look like another record already there (Patient.possibleDuplicates > 0). */
  possibleDuplicates: Scalars['Int']['output'];
  /** Per resource type (Patient, Condition, Observation…): the types the call carried. */
  resources: Array<ImportResourceCount>;
  /** Matched an existing patient that already had these values: nothing written. */
  unchanged: Scalars['Int']['output'];
  updated: Scalars['Int']['output'];
};

/** A prescription (FHIR R4 MedicationRequest). */
export type MedicationRequest = {
  __typename?: 'MedicationRequest';
  /** status is active. */
  active: Scalars['Boolean']['output'];
  authoredAt?: Maybe<Scalars['DateTime']['output']>;
  /** The first dosage instruction, as text. */
  dosage?: Maybe<Scalars['String']['output']>;
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  intent?: Maybe<Scalars['String']['output']>;
  lastUpdated: Scalars['DateTime']['output'];
  medication: Coding;
  /** active, on-hold, cancelled, completed, stopped… */
  status: Scalars['String']['output'];
  version: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Soft delete: the record is kept but hidden from default reads. CLINICIAN, ADMIN. */
  archivePatient: Patient;
  /** CLINICIAN, ADMIN. */
  createPatient: Patient;
  /**
   * FHIR R4 resources in: a resource, an array of them, or a Bundle (transaction, batch, collection or
   * searchset). Patients, and their Encounter, Condition, Observation, MedicationRequest,
   * AllergyIntolerance, Immunization and Procedure resources (written with their patient, in its
   * transaction); other types are counted as skipped. A clinical resource names its patient by a
   * Bundle's `urn:uuid:` fullUrl, `Patient/<id>` or `Patient?identifier=system|value`. Idempotent: a
   * patient whose MRN or identifier (system + value) already exists is updated, not duplicated; a
   * clinical resource is matched by its FHIR id (unchanged: nothing written; changed: version + 1).
   * At most 200 patients and 1000 resources per call. CLINICIAN, ADMIN.
   */
  importPatients: ImportResult;
  /**
   * Merges a duplicate record (`sourceId`) into the one kept (`targetId`), in one transaction, and
   * returns the target: it gains the source's identifiers and clinical record; the source stays,
   * inactive, `replacedBy` the target, its identifiers marked `old`; both get a history version
   * and a MERGE audit row. A search by the source's identifiers finds the target. CONFLICT: the
   * source already merged or archived, the target archived or merged, both with an identifier of
   * one system and different values, or an expected version that is no longer current.
   * BAD_USER_INPUT: a record into itself. CLINICIAN, ADMIN.
   */
  mergePatients: Patient;
  /** Brings an archived patient back. ADMIN. */
  restorePatient: Patient;
  /**
   * Undoes the merge of `sourceId` from what that merge recorded, and returns the source: active
   * again, with its own identifiers and the clinical resources that moved; changes made to the
   * target since are kept. CONFLICT when it is not merged, or its target was merged on since. ADMIN.
   */
  unmergePatients: Patient;
  /** CONFLICT when expectedVersion is not the current version; nothing changes then. CLINICIAN, ADMIN. */
  updatePatient: Patient;
};


export type MutationArchivePatientArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreatePatientArgs = {
  input: CreatePatientInput;
};


export type MutationImportPatientsArgs = {
  resources: Scalars['JSON']['input'];
};


export type MutationMergePatientsArgs = {
  expectedSourceVersion?: InputMaybe<Scalars['Int']['input']>;
  expectedTargetVersion?: InputMaybe<Scalars['Int']['input']>;
  sourceId: Scalars['ID']['input'];
  targetId: Scalars['ID']['input'];
};


export type MutationRestorePatientArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUnmergePatientsArgs = {
  sourceId: Scalars['ID']['input'];
};


export type MutationUpdatePatientArgs = {
  expectedVersion: Scalars['Int']['input'];
  id: Scalars['ID']['input'];
  input: UpdatePatientInput;
};

/** A measurement or finding (FHIR R4 Observation). */
export type Observation = {
  __typename?: 'Observation';
  /** The first category's code: vital-signs, laboratory, survey… */
  category?: Maybe<Scalars['String']['output']>;
  code: Coding;
  /** Parts measured together (a blood pressure's systolic and diastolic). */
  components: Array<ObservationComponent>;
  effectiveAt: Scalars['DateTime']['output'];
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  status: Scalars['String']['output'];
  value?: Maybe<Quantity>;
  /** A value that is not a quantity: a coded answer's display, a string, a boolean. */
  valueText?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

export type ObservationComponent = {
  __typename?: 'ObservationComponent';
  code: Coding;
  value?: Maybe<Quantity>;
  valueText?: Maybe<Scalars['String']['output']>;
};

export type ObservationConnection = {
  __typename?: 'ObservationConnection';
  edges: Array<ObservationEdge>;
  pageInfo: PageInfo;
};

export type ObservationEdge = {
  __typename?: 'ObservationEdge';
  cursor: Scalars['String']['output'];
  node: Observation;
};

export type OrderDirection =
  | 'ASC'
  | 'DESC';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** A patient record. */
export type Patient = {
  __typename?: 'Patient';
  /** False once archived (hidden from default reads, restorable by an ADMIN), or once merged into another record. */
  active: Scalars['Boolean']['output'];
  address?: Maybe<Address>;
  allergies: Array<AllergyIntolerance>;
  birthDate?: Maybe<Scalars['LocalDate']['output']>;
  /** Conditions (problems, diagnoses), newest onset first. VIEWER, CLINICIAN, ADMIN (as every field of the clinical record). */
  conditions: Array<Condition>;
  createdAt: Scalars['DateTime']['output'];
  createdBy?: Maybe<User>;
  deceasedAt?: Maybe<Scalars['DateTime']['output']>;
  email?: Maybe<Scalars['EmailAddress']['output']>;
  /** Encounters (visits, admissions), newest first. `first` at most 100. */
  encounters: EncounterConnection;
  /**
   * A FHIR R4 Bundle (type searchset) of the patient and every resource about them. With `since`,
   * only what changed after that instant (the Patient only when it changed).
   */
  everything: Scalars['JSONObject']['output'];
  familyName: Scalars['String']['output'];
  /** The record as a FHIR R4 Patient resource (merges as `link`: `replaced-by` on the source, `replaces` on the target). */
  fhir: Scalars['JSONObject']['output'];
  /** Given and family name, as displayed. */
  fullName: Scalars['String']['output'];
  gender: Gender;
  givenName: Scalars['String']['output'];
  /** Every version of the record, newest first. */
  history: Array<PatientVersion>;
  id: Scalars['ID']['output'];
  identifiers: Array<Identifier>;
  immunizations: Array<Immunization>;
  /** Medication requests (prescriptions), newest first. */
  medications: Array<MedicationRequest>;
  /** Medical record number: unique, generated when not given at creation. */
  mrn: Scalars['String']['output'];
  /**
   * Observations (vital signs, labs, surveys), newest first. `code`: a code (`8302-2`) or a system and
   * a code (`http://loinc.org|8302-2`); `category`: e.g. `vital-signs`, `laboratory`; `from` (inclusive)
   * and `to` (exclusive) bound `effectiveAt`. `first` at most 100.
   */
  observations: ObservationConnection;
  phone?: Maybe<Scalars['PhoneNumber']['output']>;
  /**
   * How many other active records look like the same person: duplicateCandidates at or above the
   * recommended score (0.8). Ask for it after createPatient: no silent second record.
   */
  possibleDuplicates: Scalars['Int']['output'];
  procedures: Array<Procedure>;
  /**
   * The record this one was merged into (see mergePatients). Only an ADMIN sees a merged record at
   * all: to other roles it is as missing as an archived one.
   */
  replacedBy?: Maybe<Patient>;
  /** The records merged into this one (that an ADMIN can read; none for other roles, as they are archived to them). */
  replaces: Array<Patient>;
  /** What a clinician opens first: active problems and medications, allergies, latest vital signs, the last encounter. */
  summary: PatientSummary;
  updatedAt: Scalars['DateTime']['output'];
  updatedBy?: Maybe<User>;
  /** Increments on every change; pass it as `expectedVersion` to updatePatient. */
  version: Scalars['Int']['output'];
};


/** A patient record. */
export type PatientConditionsArgs = {
  activeOnly?: InputMaybe<Scalars['Boolean']['input']>;
};


/** A patient record. */
export type PatientEncountersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A patient record. */
export type PatientEverythingArgs = {
  since?: InputMaybe<Scalars['DateTime']['input']>;
};


/** A patient record. */
export type PatientMedicationsArgs = {
  activeOnly?: InputMaybe<Scalars['Boolean']['input']>;
};


/** A patient record. */
export type PatientObservationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  category?: InputMaybe<Scalars['String']['input']>;
  code?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/** What a write did to a patient record. */
export type PatientChange =
  | 'ARCHIVE'
  | 'CREATE'
  | 'IMPORT'
  /** Merged into another record (the source), or another record merged into it (the target). */
  | 'MERGE'
  | 'RESTORE'
  /** A merge undone, on both records. */
  | 'UNMERGE'
  | 'UPDATE';

export type PatientConnection = {
  __typename?: 'PatientConnection';
  edges: Array<PatientEdge>;
  pageInfo: PageInfo;
  /**
   * How many patients match the filter, over all pages. Exact when at most 1,000 patients match, and
   * on the first page of a search (which finds every match anyway); otherwise PostgreSQL's planner
   * estimate (never below 1,001), so that a page of a large result does not pay for counting all of
   * it (like FHIR's `_total=estimate`).
   */
  totalCount: Scalars['Int']['output'];
};

export type PatientEdge = {
  __typename?: 'PatientEdge';
  cursor: Scalars['String']['output'];
  node: Patient;
};

export type PatientFilter = {
  /** Born on or after this date. */
  birthDateFrom?: InputMaybe<Scalars['LocalDate']['input']>;
  /** Born on or before this date. */
  birthDateTo?: InputMaybe<Scalars['LocalDate']['input']>;
  /**
   * Only patients with an active condition whose code is this (`44054006`, or `http://snomed.info/sct|44054006`)
   * or whose display text contains it (case- and accent-insensitive: "diabetes").
   */
  condition?: InputMaybe<Scalars['String']['input']>;
  gender?: InputMaybe<Gender>;
  /** Also list archived patients (ADMIN only). */
  includeInactive?: InputMaybe<Scalars['Boolean']['input']>;
  /**
   * Words, in any order, each matching some part of the patient: a given or family name part
   * (exactly, as its beginning, or with a typo or two in longer words; case, accents, hyphens,
   * apostrophes and particle spaces do not matter), the beginning of the MRN or of an identifier
   * value, or the birth date (YYYY-MM-DD; slashed dates as SEARCH_DATE_ORDER says). At most 100
   * characters and 6 words. Ranked by RELEVANCE unless `orderBy` says otherwise: the exact full
   * name first, then every word a whole name part, then beginnings, then typos.
   */
  search?: InputMaybe<Scalars['String']['input']>;
};

export type PatientOrder = {
  direction?: OrderDirection;
  /** Unset: RELEVANCE with a search, CREATED_AT without. */
  field?: InputMaybe<PatientOrderField>;
};

export type PatientOrderField =
  | 'BIRTH_DATE'
  | 'CREATED_AT'
  | 'FAMILY_NAME'
  /** Best match first (ASC): only with a search, and its default. See `PatientFilter.search`. */
  | 'RELEVANCE'
  | 'UPDATED_AT';

/** What patientSearch found, and how it read the query. */
export type PatientSearchResult = {
  __typename?: 'PatientSearchResult';
  interpretation: SearchInterpretation;
  /** With a name, best match first (as `patients` RELEVANCE); without one, by family name. */
  patients: PatientConnection;
};

/** The first screen of a patient's record. */
export type PatientSummary = {
  __typename?: 'PatientSummary';
  activeConditions: Array<Condition>;
  activeMedications: Array<MedicationRequest>;
  allergies: Array<AllergyIntolerance>;
  lastEncounter?: Maybe<Encounter>;
  /** The latest observation of each vital sign (weight, height, BMI, blood pressure, heart rate…). */
  latestVitals: Array<Observation>;
};

/** The state of a patient record after one write. */
export type PatientVersion = {
  __typename?: 'PatientVersion';
  action: PatientChange;
  changedAt: Scalars['DateTime']['output'];
  changedBy?: Maybe<User>;
  /** The record's fields as they were after this write. */
  snapshot: Scalars['JSONObject']['output'];
  version: Scalars['Int']['output'];
};

export type Period = {
  __typename?: 'Period';
  end?: Maybe<Scalars['DateTime']['output']>;
  start?: Maybe<Scalars['DateTime']['output']>;
};

/** A procedure performed (FHIR R4 Procedure). */
export type Procedure = {
  __typename?: 'Procedure';
  code: Coding;
  fhir: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  lastUpdated: Scalars['DateTime']['output'];
  performedAt?: Maybe<Scalars['DateTime']['output']>;
  status: Scalars['String']['output'];
  version: Scalars['Int']['output'];
};

/** A measured amount (FHIR R4 `Quantity`). */
export type Quantity = {
  __typename?: 'Quantity';
  code?: Maybe<Scalars['String']['output']>;
  /** The unit's code system, usually UCUM (`http://unitsofmeasure.org`). */
  system?: Maybe<Scalars['String']['output']>;
  unit?: Maybe<Scalars['String']['output']>;
  value?: Maybe<Scalars['Float']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** The audit log, newest first. ADMIN. */
  auditEvents: AuditEventConnection;
  /**
   * Other active records that may be the same person as `patientId`, best first (`first` at most
   * 50): compared on name (spelling, sound, nicknames), birth date (also with day and month swapped),
   * identifiers, phone, email and address; see DuplicateCandidate. Never the record itself. Audited
   * as a search: one SEARCH row per candidate returned (and a READ of `patientId`). VIEWER,
   * CLINICIAN, ADMIN.
   */
  duplicateCandidates: Array<DuplicateCandidate>;
  /** A patient by id; null when it does not exist (or is archived, unless you are ADMIN); BAD_USER_INPUT when `id` is not a UUID. VIEWER, CLINICIAN, ADMIN. */
  patient?: Maybe<Patient>;
  /** A patient by medical record number; same rules as patient. */
  patientByMrn?: Maybe<Patient>;
  /**
   * Patients described in plain words ("women over 60 in Springfield with high blood pressure"),
   * with how the query was read. Same access and audit as `patients` (one SEARCH row per patient
   * returned); the query text is never logged. At most 200 characters; `first` at most 100.
   * VIEWER, CLINICIAN, ADMIN.
   */
  patientSearch: PatientSearchResult;
  /** Patients page by page (keyset cursors; `first` at most 100). VIEWER, CLINICIAN, ADMIN. Null, with an error, only when the patients service cannot answer: the rest of the query (`me`, say) still arrives. */
  patients?: Maybe<PatientConnection>;
};


export type QueryAuditEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditEventFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryDuplicateCandidatesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  patientId: Scalars['ID']['input'];
};


export type QueryPatientArgs = {
  id: Scalars['ID']['input'];
};


export type QueryPatientByMrnArgs = {
  mrn: Scalars['String']['input'];
};


export type QueryPatientSearchArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};


export type QueryPatientsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<PatientFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<PatientOrder>;
};

export type Role =
  | 'ADMIN'
  | 'CLINICIAN'
  | 'VIEWER';

/**
 * How patientSearch read a query: the filter it ran. Ages are counted on the day of the query and
 * bound the birth date together with `bornFrom`/`bornTo`; the clinical codes are those of the data
 * that the words mean (a patient has an active one of each term asked for).
 */
export type SearchInterpretation = {
  __typename?: 'SearchInterpretation';
  /** At least this old (years, inclusive). "over 60" is 61: older than 60. */
  ageFrom?: Maybe<Scalars['Int']['output']>;
  /** At most this old (years, inclusive). "under 18" is 17. */
  ageTo?: Maybe<Scalars['Int']['output']>;
  allergies: Array<Coding>;
  bornFrom?: Maybe<Scalars['LocalDate']['output']>;
  bornTo?: Maybe<Scalars['LocalDate']['output']>;
  city?: Maybe<Scalars['String']['output']>;
  /** Active conditions; any of the codes of one term, every term asked for. */
  conditions: Array<Coding>;
  /** True: deceased only; false: living only; null: both. */
  deceased?: Maybe<Scalars['Boolean']['output']>;
  gender?: Maybe<Gender>;
  /** Active medication requests. */
  medications: Array<Coding>;
  /** Name parts, matched as `patients(filter: { search })` matches them. */
  name?: Maybe<Scalars['String']['output']>;
  postalCode?: Maybe<Scalars['String']['output']>;
  /** As written in the query: a name or a USPS code; matches either spelling in the data. */
  state?: Maybe<Scalars['String']['output']>;
  /** Words it could not place (or would not: "without diabetes"), in the order typed; they did not filter. */
  unparsed: Array<Scalars['String']['output']>;
};

/** Only the fields given change; null clears an optional field. `identifiers`, when given, replaces the list. */
export type UpdatePatientInput = {
  address?: InputMaybe<AddressInput>;
  birthDate?: InputMaybe<Scalars['LocalDate']['input']>;
  deceasedAt?: InputMaybe<Scalars['DateTime']['input']>;
  email?: InputMaybe<Scalars['EmailAddress']['input']>;
  familyName?: InputMaybe<Scalars['String']['input']>;
  gender?: InputMaybe<Gender>;
  givenName?: InputMaybe<Scalars['String']['input']>;
  identifiers?: InputMaybe<Array<IdentifierInput>>;
  phone?: InputMaybe<Scalars['PhoneNumber']['input']>;
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /** Patients this user created, newest first (archived ones only for an ADMIN). VIEWER, CLINICIAN, ADMIN. */
  patientsCreated: PatientConnection;
};


export type UserPatientsCreatedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Patient: Patient;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Patient:
    ( { __typename: 'Patient' }
    & GraphQLRecursivePick<FederationTypes['Patient'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Address: ResolverTypeWrapper<Address>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  AddressInput: AddressInput;
  AllergyIntolerance: ResolverTypeWrapper<AllergyIntoleranceEntity>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  AuditAction: AuditAction;
  AuditEvent: ResolverTypeWrapper<AuditEventEntity>;
  AuditEventConnection: ResolverTypeWrapper<Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversTypes['AuditEventEdge']> }>;
  AuditEventEdge: ResolverTypeWrapper<Omit<AuditEventEdge, 'node'> & { node: ResolversTypes['AuditEvent'] }>;
  AuditEventFilter: AuditEventFilter;
  AuditOutcome: AuditOutcome;
  Coding: ResolverTypeWrapper<CodingValueEntity>;
  Condition: ResolverTypeWrapper<ConditionEntity>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreatePatientInput: CreatePatientInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DuplicateCandidate: ResolverTypeWrapper<DuplicateCandidateEntity>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  EmailAddress: ResolverTypeWrapper<Scalars['EmailAddress']['output']>;
  Encounter: ResolverTypeWrapper<EncounterEntity>;
  EncounterConnection: ResolverTypeWrapper<ClinicalPageEntity<EncounterEntity>>;
  EncounterEdge: ResolverTypeWrapper<Omit<EncounterEdge, 'node'> & { node: ResolversTypes['Encounter'] }>;
  Gender: Gender;
  Identifier: ResolverTypeWrapper<Identifier>;
  IdentifierInput: IdentifierInput;
  Immunization: ResolverTypeWrapper<ImmunizationEntity>;
  ImportFailure: ResolverTypeWrapper<ImportFailure>;
  ImportResourceCount: ResolverTypeWrapper<ImportResourceCount>;
  ImportResult: ResolverTypeWrapper<ImportResultEntity>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  JSONObject: ResolverTypeWrapper<Scalars['JSONObject']['output']>;
  LocalDate: ResolverTypeWrapper<Scalars['LocalDate']['output']>;
  MedicationRequest: ResolverTypeWrapper<MedicationRequestEntity>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Observation: ResolverTypeWrapper<ObservationEntity>;
  ObservationComponent: ResolverTypeWrapper<ObservationComponentValueEntity>;
  ObservationConnection: ResolverTypeWrapper<ClinicalPageEntity<ObservationEntity>>;
  ObservationEdge: ResolverTypeWrapper<Omit<ObservationEdge, 'node'> & { node: ResolversTypes['Observation'] }>;
  OrderDirection: OrderDirection;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Patient: ResolverTypeWrapper<PatientEntity>;
  PatientChange: PatientChange;
  PatientConnection: ResolverTypeWrapper<PatientPageEntity>;
  PatientEdge: ResolverTypeWrapper<Omit<PatientEdge, 'node'> & { node: ResolversTypes['Patient'] }>;
  PatientFilter: PatientFilter;
  PatientOrder: PatientOrder;
  PatientOrderField: PatientOrderField;
  PatientSearchResult: ResolverTypeWrapper<PatientSearchResultEntity>;
  PatientSummary: ResolverTypeWrapper<SummaryOfEntity>;
  PatientVersion: ResolverTypeWrapper<PatientVersionEntity>;
  Period: ResolverTypeWrapper<Period>;
  PhoneNumber: ResolverTypeWrapper<Scalars['PhoneNumber']['output']>;
  Procedure: ResolverTypeWrapper<ProcedureEntity>;
  Quantity: ResolverTypeWrapper<QuantityValueEntity>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  SearchInterpretation: ResolverTypeWrapper<SearchInterpretationViewEntity>;
  UpdatePatientInput: UpdatePatientInput;
  User: ResolverTypeWrapper<UserReferenceEntity>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Address: Address;
  String: Scalars['String']['output'];
  AddressInput: AddressInput;
  AllergyIntolerance: AllergyIntoleranceEntity;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  AuditEvent: AuditEventEntity;
  AuditEventConnection: Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversParentTypes['AuditEventEdge']> };
  AuditEventEdge: Omit<AuditEventEdge, 'node'> & { node: ResolversParentTypes['AuditEvent'] };
  AuditEventFilter: AuditEventFilter;
  Coding: CodingValueEntity;
  Condition: ConditionEntity;
  Boolean: Scalars['Boolean']['output'];
  CreatePatientInput: CreatePatientInput;
  DateTime: Scalars['DateTime']['output'];
  DuplicateCandidate: DuplicateCandidateEntity;
  Float: Scalars['Float']['output'];
  EmailAddress: Scalars['EmailAddress']['output'];
  Encounter: EncounterEntity;
  EncounterConnection: ClinicalPageEntity<EncounterEntity>;
  EncounterEdge: Omit<EncounterEdge, 'node'> & { node: ResolversParentTypes['Encounter'] };
  Identifier: Identifier;
  IdentifierInput: IdentifierInput;
  Immunization: ImmunizationEntity;
  ImportFailure: ImportFailure;
  ImportResourceCount: ImportResourceCount;
  ImportResult: ImportResultEntity;
  JSON: Scalars['JSON']['output'];
  JSONObject: Scalars['JSONObject']['output'];
  LocalDate: Scalars['LocalDate']['output'];
  MedicationRequest: MedicationRequestEntity;
  Mutation: Record<PropertyKey, never>;
  Observation: ObservationEntity;
  ObservationComponent: ObservationComponentValueEntity;
  ObservationConnection: ClinicalPageEntity<ObservationEntity>;
  ObservationEdge: Omit<ObservationEdge, 'node'> & { node: ResolversParentTypes['Observation'] };
  PageInfo: PageInfo;
  Patient: PatientEntity;
  PatientConnection: PatientPageEntity;
  PatientEdge: Omit<PatientEdge, 'node'> & { node: ResolversParentTypes['Patient'] };
  PatientFilter: PatientFilter;
  PatientOrder: PatientOrder;
  PatientSearchResult: PatientSearchResultEntity;
  PatientSummary: SummaryOfEntity;
  PatientVersion: PatientVersionEntity;
  Period: Period;
  PhoneNumber: Scalars['PhoneNumber']['output'];
  Procedure: ProcedureEntity;
  Quantity: QuantityValueEntity;
  Query: Record<PropertyKey, never>;
  SearchInterpretation: SearchInterpretationViewEntity;
  UpdatePatientInput: UpdatePatientInput;
  User: UserReferenceEntity;
}>;

export type AddressResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Address'] = ResolversParentTypes['Address']> = ResolversObject<{
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  country?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  line?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  postalCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type AllergyIntoleranceResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['AllergyIntolerance'] = ResolversParentTypes['AllergyIntolerance']> = ResolversObject<{
  category?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  clinicalStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  code?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  criticality?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  recordedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  verificationStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type AuditEventResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = ResolversObject<{
  action?: Resolver<ResolversTypes['AuditAction'], ParentType, ContextType>;
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  actorId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  actorRole?: Resolver<Maybe<ResolversTypes['Role']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  operationName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  patientId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  requestId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  resourceType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type AuditEventConnectionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['AuditEventEdge'] = ResolversParentTypes['AuditEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export type CodingResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Coding'] = ResolversParentTypes['Coding']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  display?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  system?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type ConditionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Condition'] = ResolversParentTypes['Condition']> = ResolversObject<{
  abatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  clinicalStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  code?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  onsetAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  recordedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  verificationStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DuplicateCandidateResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['DuplicateCandidate'] = ResolversParentTypes['DuplicateCandidate']> = ResolversObject<{
  patient?: Resolver<ResolversTypes['Patient'], ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export interface EmailAddressScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['EmailAddress'], any> {
  name: 'EmailAddress';
}

export type EncounterResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Encounter'] = ResolversParentTypes['Encounter']> = ResolversObject<{
  class?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  period?: Resolver<ResolversTypes['Period'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['Coding']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<Maybe<ResolversTypes['Coding']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type EncounterConnectionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['EncounterConnection'] = ResolversParentTypes['EncounterConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['EncounterEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type EncounterEdgeResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['EncounterEdge'] = ResolversParentTypes['EncounterEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Encounter'], ParentType, ContextType>;
}>;

export type IdentifierResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Identifier'] = ResolversParentTypes['Identifier']> = ResolversObject<{
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  use?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ImmunizationResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Immunization'] = ResolversParentTypes['Immunization']> = ResolversObject<{
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  occurredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  vaccine?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ImportFailureResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ImportFailure'] = ResolversParentTypes['ImportFailure']> = ResolversObject<{
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ImportResourceCountResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ImportResourceCount'] = ResolversParentTypes['ImportResourceCount']> = ResolversObject<{
  created?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  resourceType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  skipped?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unchanged?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updated?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ImportResultResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ImportResult'] = ResolversParentTypes['ImportResult']> = ResolversObject<{
  created?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failed?: Resolver<Array<ResolversTypes['ImportFailure']>, ParentType, ContextType>;
  possibleDuplicates?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  resources?: Resolver<Array<ResolversTypes['ImportResourceCount']>, ParentType, ContextType>;
  unchanged?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updated?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export interface JsonObjectScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSONObject'], any> {
  name: 'JSONObject';
}

export interface LocalDateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['LocalDate'], any> {
  name: 'LocalDate';
}

export type MedicationRequestResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['MedicationRequest'] = ResolversParentTypes['MedicationRequest']> = ResolversObject<{
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  authoredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  dosage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  intent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  medication?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  archivePatient?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationArchivePatientArgs, 'id'>>;
  createPatient?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationCreatePatientArgs, 'input'>>;
  importPatients?: Resolver<ResolversTypes['ImportResult'], ParentType, ContextType, RequireFields<MutationImportPatientsArgs, 'resources'>>;
  mergePatients?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationMergePatientsArgs, 'sourceId' | 'targetId'>>;
  restorePatient?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationRestorePatientArgs, 'id'>>;
  unmergePatients?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationUnmergePatientsArgs, 'sourceId'>>;
  updatePatient?: Resolver<ResolversTypes['Patient'], ParentType, ContextType, RequireFields<MutationUpdatePatientArgs, 'expectedVersion' | 'id' | 'input'>>;
}>;

export type ObservationResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Observation'] = ResolversParentTypes['Observation']> = ResolversObject<{
  category?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  code?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  components?: Resolver<Array<ResolversTypes['ObservationComponent']>, ParentType, ContextType>;
  effectiveAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Quantity']>, ParentType, ContextType>;
  valueText?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ObservationComponentResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ObservationComponent'] = ResolversParentTypes['ObservationComponent']> = ResolversObject<{
  code?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Quantity']>, ParentType, ContextType>;
  valueText?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type ObservationConnectionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ObservationConnection'] = ResolversParentTypes['ObservationConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['ObservationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type ObservationEdgeResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['ObservationEdge'] = ResolversParentTypes['ObservationEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Observation'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PatientResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Patient'] = ResolversParentTypes['Patient'], FederationReferenceType extends FederationReferenceTypes['Patient'] = FederationReferenceTypes['Patient']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Patient']> | FederationReferenceType, FederationReferenceType, ContextType>;
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  address?: Resolver<Maybe<ResolversTypes['Address']>, ParentType, ContextType>;
  allergies?: Resolver<Array<ResolversTypes['AllergyIntolerance']>, ParentType, ContextType>;
  birthDate?: Resolver<Maybe<ResolversTypes['LocalDate']>, ParentType, ContextType>;
  conditions?: Resolver<Array<ResolversTypes['Condition']>, ParentType, ContextType, RequireFields<PatientConditionsArgs, 'activeOnly'>>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  deceasedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['EmailAddress']>, ParentType, ContextType>;
  encounters?: Resolver<ResolversTypes['EncounterConnection'], ParentType, ContextType, RequireFields<PatientEncountersArgs, 'first'>>;
  everything?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType, Partial<PatientEverythingArgs>>;
  familyName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  fullName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  gender?: Resolver<ResolversTypes['Gender'], ParentType, ContextType>;
  givenName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  history?: Resolver<Array<ResolversTypes['PatientVersion']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  identifiers?: Resolver<Array<ResolversTypes['Identifier']>, ParentType, ContextType>;
  immunizations?: Resolver<Array<ResolversTypes['Immunization']>, ParentType, ContextType>;
  medications?: Resolver<Array<ResolversTypes['MedicationRequest']>, ParentType, ContextType, RequireFields<PatientMedicationsArgs, 'activeOnly'>>;
  mrn?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  observations?: Resolver<ResolversTypes['ObservationConnection'], ParentType, ContextType, RequireFields<PatientObservationsArgs, 'first'>>;
  phone?: Resolver<Maybe<ResolversTypes['PhoneNumber']>, ParentType, ContextType>;
  possibleDuplicates?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  procedures?: Resolver<Array<ResolversTypes['Procedure']>, ParentType, ContextType>;
  replacedBy?: Resolver<Maybe<ResolversTypes['Patient']>, ParentType, ContextType>;
  replaces?: Resolver<Array<ResolversTypes['Patient']>, ParentType, ContextType>;
  summary?: Resolver<ResolversTypes['PatientSummary'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  updatedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PatientConnectionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PatientConnection'] = ResolversParentTypes['PatientConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['PatientEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PatientEdgeResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PatientEdge'] = ResolversParentTypes['PatientEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Patient'], ParentType, ContextType>;
}>;

export type PatientSearchResultResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PatientSearchResult'] = ResolversParentTypes['PatientSearchResult']> = ResolversObject<{
  interpretation?: Resolver<ResolversTypes['SearchInterpretation'], ParentType, ContextType>;
  patients?: Resolver<ResolversTypes['PatientConnection'], ParentType, ContextType>;
}>;

export type PatientSummaryResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PatientSummary'] = ResolversParentTypes['PatientSummary']> = ResolversObject<{
  activeConditions?: Resolver<Array<ResolversTypes['Condition']>, ParentType, ContextType>;
  activeMedications?: Resolver<Array<ResolversTypes['MedicationRequest']>, ParentType, ContextType>;
  allergies?: Resolver<Array<ResolversTypes['AllergyIntolerance']>, ParentType, ContextType>;
  lastEncounter?: Resolver<Maybe<ResolversTypes['Encounter']>, ParentType, ContextType>;
  latestVitals?: Resolver<Array<ResolversTypes['Observation']>, ParentType, ContextType>;
}>;

export type PatientVersionResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['PatientVersion'] = ResolversParentTypes['PatientVersion']> = ResolversObject<{
  action?: Resolver<ResolversTypes['PatientChange'], ParentType, ContextType>;
  changedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  changedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  snapshot?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PeriodResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Period'] = ResolversParentTypes['Period']> = ResolversObject<{
  end?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  start?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export interface PhoneNumberScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['PhoneNumber'], any> {
  name: 'PhoneNumber';
}

export type ProcedureResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Procedure'] = ResolversParentTypes['Procedure']> = ResolversObject<{
  code?: Resolver<ResolversTypes['Coding'], ParentType, ContextType>;
  fhir?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUpdated?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  performedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type QuantityResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Quantity'] = ResolversParentTypes['Quantity']> = ResolversObject<{
  code?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  system?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  unit?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  auditEvents?: Resolver<ResolversTypes['AuditEventConnection'], ParentType, ContextType, RequireFields<QueryAuditEventsArgs, 'first'>>;
  duplicateCandidates?: Resolver<Array<ResolversTypes['DuplicateCandidate']>, ParentType, ContextType, RequireFields<QueryDuplicateCandidatesArgs, 'first' | 'patientId'>>;
  patient?: Resolver<Maybe<ResolversTypes['Patient']>, ParentType, ContextType, RequireFields<QueryPatientArgs, 'id'>>;
  patientByMrn?: Resolver<Maybe<ResolversTypes['Patient']>, ParentType, ContextType, RequireFields<QueryPatientByMrnArgs, 'mrn'>>;
  patientSearch?: Resolver<ResolversTypes['PatientSearchResult'], ParentType, ContextType, RequireFields<QueryPatientSearchArgs, 'first' | 'query'>>;
  patients?: Resolver<Maybe<ResolversTypes['PatientConnection']>, ParentType, ContextType, RequireFields<QueryPatientsArgs, 'first'>>;
}>;

export type SearchInterpretationResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['SearchInterpretation'] = ResolversParentTypes['SearchInterpretation']> = ResolversObject<{
  ageFrom?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  ageTo?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  allergies?: Resolver<Array<ResolversTypes['Coding']>, ParentType, ContextType>;
  bornFrom?: Resolver<Maybe<ResolversTypes['LocalDate']>, ParentType, ContextType>;
  bornTo?: Resolver<Maybe<ResolversTypes['LocalDate']>, ParentType, ContextType>;
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  conditions?: Resolver<Array<ResolversTypes['Coding']>, ParentType, ContextType>;
  deceased?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  gender?: Resolver<Maybe<ResolversTypes['Gender']>, ParentType, ContextType>;
  medications?: Resolver<Array<ResolversTypes['Coding']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  postalCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  unparsed?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = PatientsContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  patientsCreated?: Resolver<ResolversTypes['PatientConnection'], ParentType, ContextType, RequireFields<UserPatientsCreatedArgs, 'first'>>;
}>;

export type Resolvers<ContextType = PatientsContext> = ResolversObject<{
  Address?: AddressResolvers<ContextType>;
  AllergyIntolerance?: AllergyIntoleranceResolvers<ContextType>;
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  Coding?: CodingResolvers<ContextType>;
  Condition?: ConditionResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DuplicateCandidate?: DuplicateCandidateResolvers<ContextType>;
  EmailAddress?: GraphQLScalarType;
  Encounter?: EncounterResolvers<ContextType>;
  EncounterConnection?: EncounterConnectionResolvers<ContextType>;
  EncounterEdge?: EncounterEdgeResolvers<ContextType>;
  Identifier?: IdentifierResolvers<ContextType>;
  Immunization?: ImmunizationResolvers<ContextType>;
  ImportFailure?: ImportFailureResolvers<ContextType>;
  ImportResourceCount?: ImportResourceCountResolvers<ContextType>;
  ImportResult?: ImportResultResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  JSONObject?: GraphQLScalarType;
  LocalDate?: GraphQLScalarType;
  MedicationRequest?: MedicationRequestResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Observation?: ObservationResolvers<ContextType>;
  ObservationComponent?: ObservationComponentResolvers<ContextType>;
  ObservationConnection?: ObservationConnectionResolvers<ContextType>;
  ObservationEdge?: ObservationEdgeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Patient?: PatientResolvers<ContextType>;
  PatientConnection?: PatientConnectionResolvers<ContextType>;
  PatientEdge?: PatientEdgeResolvers<ContextType>;
  PatientSearchResult?: PatientSearchResultResolvers<ContextType>;
  PatientSummary?: PatientSummaryResolvers<ContextType>;
  PatientVersion?: PatientVersionResolvers<ContextType>;
  Period?: PeriodResolvers<ContextType>;
  PhoneNumber?: GraphQLScalarType;
  Procedure?: ProcedureResolvers<ContextType>;
  Quantity?: QuantityResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  SearchInterpretation?: SearchInterpretationResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;

