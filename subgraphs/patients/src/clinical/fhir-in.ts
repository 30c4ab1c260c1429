/**
 * FHIR R4 in, for the clinical record: what an Encounter, Condition, Observation,
 * MedicationRequest, AllergyIntolerance, Immunization or Procedure says in the columns we model.
 * Everything else in the resource is kept as it is (the jsonb), never an error; what we cannot
 * store (no code, no date to sort by, an unreadable date) refuses that resource only.
 */
import { randomUUID } from 'node:crypto';
import { BadUserInputError } from '@healthsync/orm';
import type { CodingValue, ObservationComponentValue, QuantityValue } from './entities.js';
import { CLINICAL_TYPES, type ClinicalType } from './types.js';

/** One clinical resource of a request, read: its columns, its references still as written. */
export interface ClinicalDraft {
  resourceType: ClinicalType;
  /** The FHIR id (given, else the uuid of a `urn:uuid:` fullUrl, else a new one). */
  id: string;
  /** Whether `id` came with the resource (else a re-import cannot find it again). */
  idGiven: boolean;
  /** `subject` or `patient`, as written. */
  patientReference: string;
  encounterReference: string | undefined;
  /** The type's own columns (snake_case, as in its table); dates as ISO strings. */
  columns: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isClinicalType = (type: unknown): type is ClinicalType =>
  typeof type === 'string' && (CLINICAL_TYPES as readonly string[]).includes(type);

/** FHIR's id: 1–64 letters, digits, '-' and '.'. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const UUID_URN = /^urn:uuid:([0-9a-fA-F-]{36})$/;
/** FHIR dateTime/instant: a year, a month, a day, or a time with a zone. */
const FHIR_DATE_TIME =
  /^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,9})?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;

/** What a reader refuses: names the resource type and element, like the Patient reader. */
class Refusal extends BadUserInputError {}

function refuse(type: string, path: string, message: string): never {
  throw new Refusal(`${type}.${path} ${message}`, path);
}

/** Reads one resource's elements, naming them in its refusals. */
class Reader {
  constructor(
    readonly type: ClinicalType,
    readonly resource: Record<string, unknown>,
  ) {}

  string(path: string, value: unknown, max: number): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') refuse(this.type, path, 'must be a string');
    if (value.length > max) refuse(this.type, path, `must be at most ${max} characters`);
    return value;
  }

  required(path: string, value: string | null): string {
    if (value === null || value.trim() === '') refuse(this.type, path, 'is required');
    return value;
  }

  /** A FHIR date or dateTime as an instant: a date alone is its midnight UTC, a year its 1 January. */
  dateTime(path: string, value: unknown): string | null {
    const text = this.string(path, value, 40);
    if (text === null) return null;
    const match = FHIR_DATE_TIME.exec(text);
    if (!match) refuse(this.type, path, `must be a FHIR date or dateTime, not ${JSON.stringify(text)}`);
    const [, year, , month = '01', , day = '01', time] = match;
    const at = new Date(time ? text : `${year}-${month}-${day}T00:00:00Z`);
    // Rejects 2021-02-30 (Date would roll it over into March).
    if (Number.isNaN(at.getTime()) || (!time && at.getUTCDate() !== Number(day)))
      refuse(this.type, path, `is not a real date: ${JSON.stringify(text)}`);
    return at.toISOString();
  }

  /** `element` as a CodeableConcept: its first coding with a code (display falls back to `text`). */
  coding(path: string, element: unknown): CodingValue | null {
    if (element === undefined || element === null) return null;
    if (!isObject(element)) refuse(this.type, path, 'must be a CodeableConcept');
    const codings = Array.isArray(element.coding) ? element.coding.filter(isObject) : [];
    const coding = codings.find((candidate) => typeof candidate.code === 'string' && candidate.code !== '');
    if (!coding) return null;
    const text = typeof element.text === 'string' ? element.text : null;
    return {
      system: this.string(`${path}.coding.system`, coding.system, 255),
      code: this.string(`${path}.coding.code`, coding.code, 100) as string,
      display: (typeof coding.display === 'string' ? coding.display : null) ?? text,
    };
  }

  requiredCoding(path: string, element: unknown): CodingValue {
    return this.coding(path, element) ?? refuse(this.type, path, 'needs a coding with a code');
  }

  /** The code of the first coding of a CodeableConcept (a status, a category). */
  code(path: string, element: unknown, max = 32): string | null {
    if (!isObject(element)) return null;
    const coding = (Array.isArray(element.coding) ? element.coding : []).find(
      (candidate: unknown) => isObject(candidate) && typeof candidate.code === 'string',
    ) as Record<string, unknown> | undefined;
    return coding ? this.string(`${path}.coding.code`, coding.code, max) : null;
  }

  reference(path: string, element: unknown): string | undefined {
    if (!isObject(element) || element.reference === undefined) return undefined;
    if (typeof element.reference !== 'string') refuse(this.type, `${path}.reference`, 'must be a string');
    return element.reference;
  }

  quantity(path: string, element: unknown): QuantityValue | null {
    if (!isObject(element)) return null;
    if (element.value !== undefined && typeof element.value !== 'number')
      refuse(this.type, `${path}.value`, 'must be a number');
    return {
      value: typeof element.value === 'number' ? element.value : null,
      unit: this.string(`${path}.unit`, element.unit, 64),
      system: this.string(`${path}.system`, element.system, 255),
      code: this.string(`${path}.code`, element.code, 64),
    };
  }

  /** value[x] as a Quantity or as text. */
  value(path: string, holder: Record<string, unknown>): { value: QuantityValue | null; valueText: string | null } {
    if (holder.valueQuantity !== undefined)
      return { value: this.quantity(`${path}Quantity`, holder.valueQuantity), valueText: null };
    if (typeof holder.valueInteger === 'number')
      return { value: { value: holder.valueInteger, unit: null, system: null, code: null }, valueText: null };
    if (isObject(holder.valueCodeableConcept)) {
      const concept = holder.valueCodeableConcept;
      const coding = this.coding(`${path}CodeableConcept`, concept);
      const text = typeof concept.text === 'string' ? concept.text : null;
      return { value: null, valueText: coding?.display ?? text ?? coding?.code ?? null };
    }
    for (const kind of ['valueString', 'valueDateTime', 'valueTime'] as const)
      if (typeof holder[kind] === 'string') return { value: null, valueText: holder[kind] };
    if (typeof holder.valueBoolean === 'boolean') return { value: null, valueText: String(holder.valueBoolean) };
    return { value: null, valueText: null };
  }
}

/** Conditions no longer active, by clinicalStatus. */
const INACTIVE_CONDITION = new Set(['resolved', 'inactive', 'remission']);

const codedColumns = (coding: CodingValue) => ({
  code_system: coding.system,
  code: coding.code,
  display: coding.display,
});

const quantityColumns = (value: QuantityValue | null, valueText: string | null) => ({
  value: value?.value ?? null,
  value_unit: value?.unit ?? null,
  value_system: value?.system ?? null,
  value_code: value?.code ?? null,
  value_text: valueText,
});

/** A dosage instruction as a line of text: its own text, else dose, frequency and period. */
function dosageText(instruction: unknown): string | null {
  if (!isObject(instruction)) return null;
  if (typeof instruction.text === 'string') return instruction.text;
  const parts: string[] = [];
  const doseAndRate = Array.isArray(instruction.doseAndRate) ? instruction.doseAndRate[0] : undefined;
  const dose = isObject(doseAndRate) && isObject(doseAndRate.doseQuantity) ? doseAndRate.doseQuantity : undefined;
  if (dose && typeof dose.value === 'number')
    parts.push(`${dose.value}${typeof dose.unit === 'string' ? ` ${dose.unit}` : ''}`);
  const repeat = isObject(instruction.timing) && isObject(instruction.timing.repeat) ? instruction.timing.repeat : {};
  if (
    typeof repeat.frequency === 'number' &&
    typeof repeat.period === 'number' &&
    typeof repeat.periodUnit === 'string'
  )
    parts.push(
      `${repeat.frequency} time${repeat.frequency === 1 ? '' : 's'} per ${repeat.period} ${repeat.periodUnit}`,
    );
  if (instruction.asNeededBoolean === true) parts.push('as needed');
  return parts.length ? parts.join(', ') : null;
}

type ColumnsOf = (read: Reader, resource: Record<string, unknown>) => Record<string, unknown>;

/** Each type's columns (beside id, patient, encounter, version, time and resource). */
const COLUMNS: Record<ClinicalType, ColumnsOf> = {
  Encounter: (read, r) => {
    const period = isObject(r.period) ? r.period : {};
    const type = read.coding('type', Array.isArray(r.type) ? r.type[0] : undefined);
    const reason = read.coding('reasonCode', Array.isArray(r.reasonCode) ? r.reasonCode[0] : undefined);
    return {
      status: read.required('status', read.string('status', r.status, 32)),
      class_code: isObject(r.class) ? read.string('class.code', r.class.code, 32) : null,
      type_system: type?.system ?? null,
      type_code: type?.code ?? null,
      type_display: type?.display ?? null,
      period_start: read.dateTime('period.start', period.start) ?? refuse('Encounter', 'period.start', 'is required'),
      period_end: read.dateTime('period.end', period.end),
      reason_system: reason?.system ?? null,
      reason_code: reason?.code ?? null,
      reason_display: reason?.display ?? null,
    };
  },
  Condition: (read, r) => {
    const clinicalStatus = read.code('clinicalStatus', r.clinicalStatus);
    const abatedAt =
      read.dateTime('abatementDateTime', r.abatementDateTime) ??
      (isObject(r.abatementPeriod) ? read.dateTime('abatementPeriod.start', r.abatementPeriod.start) : null);
    const abated = Object.keys(r).some((key) => key.startsWith('abatement'));
    return {
      ...codedColumns(read.requiredCoding('code', r.code)),
      clinical_status: clinicalStatus,
      verification_status: read.code('verificationStatus', r.verificationStatus),
      active: !abated && !INACTIVE_CONDITION.has(clinicalStatus ?? ''),
      onset_at:
        read.dateTime('onsetDateTime', r.onsetDateTime) ??
        (isObject(r.onsetPeriod) ? read.dateTime('onsetPeriod.start', r.onsetPeriod.start) : null),
      abated_at: abatedAt,
      recorded_at: read.dateTime('recordedDate', r.recordedDate),
    };
  },
  Observation: (read, r) => {
    const effectiveAt =
      read.dateTime('effectiveDateTime', r.effectiveDateTime) ??
      (isObject(r.effectivePeriod) ? read.dateTime('effectivePeriod.start', r.effectivePeriod.start) : null) ??
      read.dateTime('effectiveInstant', r.effectiveInstant) ??
      read.dateTime('issued', r.issued) ??
      refuse('Observation', 'effective[x]', 'is required (effectiveDateTime, effectivePeriod.start or issued)');
    const { value, valueText } = read.value('value', r);
    const components: ObservationComponentValue[] = (Array.isArray(r.component) ? r.component : []).map(
      (component: unknown, i: number) => {
        if (!isObject(component)) refuse('Observation', `component[${i}]`, 'must be an object');
        return {
          code: read.requiredCoding(`component[${i}].code`, component.code),
          ...read.value(`component[${i}].value`, component),
        };
      },
    );
    return {
      ...codedColumns(read.requiredCoding('code', r.code)),
      category: read.code('category', Array.isArray(r.category) ? r.category[0] : undefined, 64),
      status: read.required('status', read.string('status', r.status, 32)),
      effective_at: effectiveAt,
      ...quantityColumns(value, valueText),
      components,
    };
  },
  MedicationRequest: (read, r) => {
    if (r.medicationCodeableConcept === undefined && r.medicationReference !== undefined)
      refuse('MedicationRequest', 'medicationReference', 'is not supported: send medicationCodeableConcept');
    const status = read.required('status', read.string('status', r.status, 32));
    return {
      ...codedColumns(read.requiredCoding('medicationCodeableConcept', r.medicationCodeableConcept)),
      status,
      active: status === 'active',
      intent: read.string('intent', r.intent, 32),
      authored_at: read.dateTime('authoredOn', r.authoredOn),
      dosage: dosageText(Array.isArray(r.dosageInstruction) ? r.dosageInstruction[0] : undefined),
    };
  },
  AllergyIntolerance: (read, r) => ({
    ...codedColumns(read.requiredCoding('code', r.code)),
    clinical_status: read.code('clinicalStatus', r.clinicalStatus),
    verification_status: read.code('verificationStatus', r.verificationStatus),
    category: Array.isArray(r.category) ? read.string('category', r.category[0], 32) : null,
    criticality: read.string('criticality', r.criticality, 32),
    recorded_at: read.dateTime('recordedDate', r.recordedDate),
  }),
  Immunization: (read, r) => ({
    ...codedColumns(read.requiredCoding('vaccineCode', r.vaccineCode)),
    status: read.required('status', read.string('status', r.status, 32)),
    occurred_at: read.dateTime('occurrenceDateTime', r.occurrenceDateTime),
  }),
  Procedure: (read, r) => ({
    ...codedColumns(read.requiredCoding('code', r.code)),
    status: read.required('status', read.string('status', r.status, 32)),
    performed_at:
      read.dateTime('performedDateTime', r.performedDateTime) ??
      (isObject(r.performedPeriod) ? read.dateTime('performedPeriod.start', r.performedPeriod.start) : null),
  }),
};

/** Where each type names its patient. */
const PATIENT_ELEMENT: Record<ClinicalType, 'subject' | 'patient'> = {
  Encounter: 'subject',
  Condition: 'subject',
  Observation: 'subject',
  MedicationRequest: 'subject',
  AllergyIntolerance: 'patient',
  Immunization: 'patient',
  Procedure: 'subject',
};

export const patientElementOf = (type: ClinicalType) => PATIENT_ELEMENT[type];

/** The id a resource keeps: its own, else its `urn:uuid:` fullUrl's, else a new one. */
function idOf(type: ClinicalType, resource: Record<string, unknown>, fullUrl: string | undefined) {
  if (resource.id !== undefined) {
    if (typeof resource.id !== 'string' || !FHIR_ID.test(resource.id))
      refuse(type, 'id', 'must be 1–64 letters, digits, "-" or "."');
    return { id: resource.id, idGiven: true };
  }
  const fromUrl = fullUrl ? UUID_URN.exec(fullUrl)?.[1] : undefined;
  return fromUrl ? { id: fromUrl.toLowerCase(), idGiven: true } : { id: randomUUID(), idGiven: false };
}

/**
 * What a clinical resource says; BAD_USER_INPUT names the element that cannot be read (the
 * import reports it on that record and goes on).
 */
export function readClinicalResource(resource: Record<string, unknown>, fullUrl?: string): ClinicalDraft {
  const type = resource.resourceType;
  if (!isClinicalType(type)) throw new BadUserInputError(`${String(type)} is not a clinical resource type we model`);
  const read = new Reader(type, resource);
  const patientElement = PATIENT_ELEMENT[type];
  const patientReference =
    read.reference(patientElement, resource[patientElement]) ??
    refuse(type, `${patientElement}.reference`, 'is required (the patient it is about)');
  return {
    resourceType: type,
    ...idOf(type, resource, fullUrl),
    patientReference,
    encounterReference: type === 'Encounter' ? undefined : read.reference('encounter', resource.encounter),
    columns: COLUMNS[type](read, resource),
    resource,
  };
}
