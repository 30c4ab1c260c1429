/**
 * The clinical record: one table per FHIR resource type Synthea writes, keyed by the FHIR `id` the
 * resource was imported with, with the columns the reads filter and sort on, and the resource
 * itself as `jsonb` (references rewritten to `Patient/<id>`, `Encounter/<id>`, …; `meta.versionId`
 * and `meta.lastUpdated` are the `version` and `last_updated` columns, added on the way out).
 *
 * Coded elements are three columns everywhere (`code_system`, `code`, `display`) so that one kind
 * of query finds conditions, medications, allergies… by code or by name.
 */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Patient } from '../entities.js';
import { handWrittenIndexes } from '../hand-written-indexes.js';

/**
 * The patient entity by name: src/entities.ts lists these entities, so importing its Patient here
 * would make the two modules import each other (and whichever loads second sees the other half-made).
 */
const PATIENT = 'Patient' as unknown as typeof Patient;

/** What every clinical table has: the FHIR id, its patient, version, time of the last change, the resource. */
const record = () => ({
  /** The FHIR `id` it came with: the idempotency key of re-imports. */
  id: p.string().length(64).primary(),
  patient: () => p.manyToOne(PATIENT),
  /** `meta.versionId`: 1 when created, +1 for every import that changed the resource. */
  version: p.integer(),
  /** `meta.lastUpdated`. */
  lastUpdated: p.datetime(),
  /** The resource as imported, references resolved, without `meta.versionId`/`lastUpdated`. */
  resource: p.json<Record<string, unknown>>(),
});

/** The Encounter a resource happened in: its FHIR id (no foreign key: an import may send it later). */
const encounter = () => p.string().length(64).nullable();

/** A coded element (CodeableConcept) as its first coding that has a code. */
const coded = () => ({
  codeSystem: p.string().length(255).nullable(),
  code: p.string().length(100),
  display: p.text().nullable(),
});

export const Encounter = defineEntity({
  name: 'Encounter',
  tableName: 'encounter',
  // A patient's encounters newest first (scanned backwards); the last one for the summary.
  indexes: [{ properties: ['patient', 'periodStart', 'id'] }],
  properties: {
    ...record(),
    status: p.string().length(32),
    /** `class.code` (v3 ActCode: AMB, EMER, IMP…). */
    classCode: p.string().length(32).nullable(),
    typeSystem: p.string().length(255).nullable(),
    typeCode: p.string().length(100).nullable(),
    typeDisplay: p.text().nullable(),
    periodStart: p.datetime(),
    periodEnd: p.datetime().nullable(),
    reasonSystem: p.string().length(255).nullable(),
    reasonCode: p.string().length(100).nullable(),
    reasonDisplay: p.text().nullable(),
  },
});
export type Encounter = InferEntity<typeof Encounter>;

export const Condition = defineEntity({
  name: 'Condition',
  tableName: 'condition',
  indexes: [
    { properties: ['patient', 'active'] },
    { properties: ['codeSystem', 'code'] },
    // Hand-written in the migration: active conditions by code, and by display text (trigrams of
    // search_normalize(display)), for `patients(filter: { condition })`.
    ...handWrittenIndexes('condition', ['condition_active_code', 'condition_active_display_trgm']),
  ],
  properties: {
    ...record(),
    encounterId: encounter(),
    ...coded(),
    clinicalStatus: p.string().length(32).nullable(),
    verificationStatus: p.string().length(32).nullable(),
    /** Active unless clinicalStatus says resolved, inactive or remission, or it has an abatement. */
    active: p.boolean(),
    onsetAt: p.datetime().nullable(),
    abatedAt: p.datetime().nullable(),
    recordedAt: p.datetime().nullable(),
  },
});
export type Condition = InferEntity<typeof Condition>;

export const Observation = defineEntity({
  name: 'Observation',
  tableName: 'observation',
  // Newest first (scanned backwards): all of them, of one code (and the latest of each), of one category.
  indexes: [
    { properties: ['patient', 'effectiveAt', 'id'] },
    { properties: ['patient', 'code', 'effectiveAt', 'id'] },
    { properties: ['patient', 'category', 'effectiveAt', 'id'] },
  ],
  properties: {
    ...record(),
    encounterId: encounter(),
    ...coded(),
    /** The first category's code (vital-signs, laboratory, survey…). */
    category: p.string().length(64).nullable(),
    status: p.string().length(32),
    effectiveAt: p.datetime(),
    /** valueQuantity (or valueInteger) as value, unit, system, code. */
    value: p.double().nullable(),
    valueUnit: p.string().length(64).nullable(),
    valueSystem: p.string().length(255).nullable(),
    valueCode: p.string().length(64).nullable(),
    /** Any other value (a string, a code's display, a boolean) as text. */
    valueText: p.text().nullable(),
    /** Each component (a blood pressure's systolic and diastolic…) as { code, value, valueText }. */
    components: p.json<ObservationComponentValue[]>(),
  },
});
export type Observation = InferEntity<typeof Observation>;

export interface CodingValue {
  system: string | null;
  code: string;
  display: string | null;
}

export interface QuantityValue {
  value: number | null;
  unit: string | null;
  system: string | null;
  code: string | null;
}

export interface ObservationComponentValue {
  code: CodingValue;
  value: QuantityValue | null;
  valueText: string | null;
}

export const MedicationRequest = defineEntity({
  name: 'MedicationRequest',
  tableName: 'medication_request',
  indexes: [
    { properties: ['patient', 'active'] },
    { properties: ['codeSystem', 'code'] },
    // Hand-written in the migration: active requests by code (patientSearch's "on metformin").
    ...handWrittenIndexes('medication_request', ['medication_request_active_code']),
  ],
  properties: {
    ...record(),
    encounterId: encounter(),
    /** The medication (medicationCodeableConcept, RxNorm for Synthea). */
    ...coded(),
    status: p.string().length(32),
    /** status is active. */
    active: p.boolean(),
    intent: p.string().length(32).nullable(),
    authoredAt: p.datetime().nullable(),
    /** The first dosage instruction, as text. */
    dosage: p.text().nullable(),
  },
});
export type MedicationRequest = InferEntity<typeof MedicationRequest>;

export const AllergyIntolerance = defineEntity({
  name: 'AllergyIntolerance',
  tableName: 'allergy_intolerance',
  indexes: [
    { properties: ['patient'] },
    { properties: ['codeSystem', 'code'] },
    // Hand-written in the migration: allergies by code alone (patientSearch's "allergic to penicillin").
    ...handWrittenIndexes('allergy_intolerance', ['allergy_intolerance_code']),
  ],
  properties: {
    ...record(),
    encounterId: encounter(),
    ...coded(),
    clinicalStatus: p.string().length(32).nullable(),
    verificationStatus: p.string().length(32).nullable(),
    /** The first category (food, medication, environment, biologic). */
    category: p.string().length(32).nullable(),
    criticality: p.string().length(32).nullable(),
    recordedAt: p.datetime().nullable(),
  },
});
export type AllergyIntolerance = InferEntity<typeof AllergyIntolerance>;

export const Immunization = defineEntity({
  name: 'Immunization',
  tableName: 'immunization',
  indexes: [{ properties: ['patient', 'occurredAt'] }, { properties: ['codeSystem', 'code'] }],
  properties: {
    ...record(),
    encounterId: encounter(),
    /** The vaccine (vaccineCode, CVX for Synthea). */
    ...coded(),
    status: p.string().length(32),
    occurredAt: p.datetime().nullable(),
  },
});
export type Immunization = InferEntity<typeof Immunization>;

export const Procedure = defineEntity({
  name: 'Procedure',
  tableName: 'procedure',
  indexes: [{ properties: ['patient', 'performedAt'] }, { properties: ['codeSystem', 'code'] }],
  properties: {
    ...record(),
    encounterId: encounter(),
    ...coded(),
    status: p.string().length(32),
    /** performedDateTime, or the start of performedPeriod. */
    performedAt: p.datetime().nullable(),
  },
});
export type Procedure = InferEntity<typeof Procedure>;

export const clinicalEntities = [
  Encounter,
  Condition,
  Observation,
  MedicationRequest,
  AllergyIntolerance,
  Immunization,
  Procedure,
];
