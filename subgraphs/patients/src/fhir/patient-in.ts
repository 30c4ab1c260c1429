/**
 * FHIR R4 in: which resources a request carries, and what each Patient says in our model's terms.
 * Only what the model holds is read; extensions (race, ethnicity, birthplace…) and unknown fields
 * are ignored, never fatal. (The clinical resource types are read by src/clinical/fhir-in.ts.)
 */
import { BadUserInputError } from '@healthsync/orm';
import type { Gender, PatientIdentifierValue } from '../entities.js';
import { MRN_SYSTEM } from './patient-out.js';
import { type AddressDraft, isCalendarDate } from '../patients/validation.js';

/** Per call, so one request stays a bounded amount of work (the body limit bounds bytes). */
export const IMPORT_LIMITS = {
  /** Patient resources per importPatients call. */
  patients: 200,
  /** Resources of one call (array items or Bundle entries), of any type. */
  resources: 1000,
} as const;

/**
 * One resource of the request (with the Bundle entry's fullUrl, which `urn:uuid:` references
 * name), or why the record at `index` cannot be one.
 */
export type ImportRecord =
  | { index: number; resource: Record<string, unknown>; fullUrl?: string | undefined }
  | { index: number; error: string };

/** What a Patient resource says, in the model's terms. `undefined`: the resource does not say. */
export interface ImportedPatient {
  mrn: string | undefined;
  givenName: string;
  familyName: string;
  gender: Gender;
  birthDate: string | null;
  /** `undefined` when the resource only says "deceased: true" without a date. */
  deceasedAt: Date | null | undefined;
  email: string | null;
  phone: string | null;
  address: AddressDraft | null;
  /** Without the MRN (that is `mrn`); at most one per system, the first one given. */
  identifiers: PatientIdentifierValue[];
}

const BUNDLE_TYPES = new Set(['transaction', 'batch', 'collection', 'searchset']);
const FHIR_GENDERS: Record<string, Gender> = { male: 'MALE', female: 'FEMALE', other: 'OTHER', unknown: 'UNKNOWN' };
const FHIR_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return typeof value.resourceType === 'string' ? `a ${value.resourceType}` : 'an object';
  return value === null ? 'null' : `a ${typeof value}`;
}

function recordOf(index: number, value: unknown, fullUrl?: unknown): ImportRecord {
  if (isObject(value) && typeof value.resourceType === 'string')
    return { index, resource: value, ...(typeof fullUrl === 'string' ? { fullUrl } : {}) };
  return { index, error: `expected a FHIR resource, got ${describe(value)}` };
}

/**
 * The records of `resources`: one resource (index 0), an array of them (array index) or a Bundle
 * of type transaction, batch, collection or searchset (entry index). Anything else, or more than
 * IMPORT_LIMITS allow, refuses the whole call.
 */
export function importRecordsOf(resources: unknown): ImportRecord[] {
  let records: ImportRecord[];
  if (Array.isArray(resources)) {
    records = resources.map((value, index) => recordOf(index, value));
  } else if (isObject(resources) && resources.resourceType === 'Bundle') {
    if (typeof resources.type !== 'string' || !BUNDLE_TYPES.has(resources.type))
      throw new BadUserInputError(
        `resources: a Bundle of type ${[...BUNDLE_TYPES].join(', ')} is expected, not ${JSON.stringify(resources.type)}`,
        'resources',
      );
    const entries = resources.entry ?? [];
    if (!Array.isArray(entries)) throw new BadUserInputError('resources: Bundle.entry must be an array', 'resources');
    records = entries.map((entry, index) =>
      isObject(entry) ? recordOf(index, entry.resource, entry.fullUrl) : recordOf(index, entry),
    );
  } else if (isObject(resources) && typeof resources.resourceType === 'string') {
    records = [{ index: 0, resource: resources }];
  } else {
    throw new BadUserInputError(
      `resources: expected a FHIR resource, an array of them or a Bundle, got ${describe(resources)}`,
      'resources',
    );
  }
  if (records.length > IMPORT_LIMITS.resources)
    throw new BadUserInputError(
      `resources: at most ${IMPORT_LIMITS.resources} resources per call (got ${records.length}); split the import`,
      'resources',
    );
  const patients = records.filter((record) => 'resource' in record && record.resource.resourceType === 'Patient');
  if (patients.length > IMPORT_LIMITS.patients)
    throw new BadUserInputError(
      `resources: at most ${IMPORT_LIMITS.patients} patients per call (got ${patients.length}); split the import`,
      'resources',
    );
  return records;
}

function fail(path: string, message: string): never {
  throw new BadUserInputError(`Patient.${path} ${message}`, path);
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

function listOf(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value;
}

function birthDateOf(value: unknown): string | null {
  const text = optionalString(value, 'birthDate');
  if (text === undefined) return null;
  if (!isCalendarDate(text))
    fail('birthDate', `must be a full calendar date (YYYY-MM-DD), not ${JSON.stringify(text)}`);
  return text;
}

function deceasedOf(resource: Record<string, unknown>): Date | null | undefined {
  const text = optionalString(resource.deceasedDateTime, 'deceasedDateTime');
  if (text !== undefined) {
    // A date alone is read as that day's midnight UTC.
    const valid = isCalendarDate(text) || (FHIR_DATE_TIME.test(text) && isCalendarDate(text.slice(0, 10)));
    const at = valid ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
    if (!at || Number.isNaN(at.getTime()))
      fail('deceasedDateTime', `must be a date or a date-time with a time zone, not ${JSON.stringify(text)}`);
    return at;
  }
  // "Deceased, date unknown" has no place in the model: the date we may have is kept.
  if (resource.deceasedBoolean === true) return undefined;
  return null;
}

function genderOf(value: unknown): Gender {
  const text = optionalString(value, 'gender');
  if (text === undefined) return 'UNKNOWN';
  const gender = FHIR_GENDERS[text];
  if (!gender)
    fail('gender', `must be one of ${Object.keys(FHIR_GENDERS).join(', ')}, not ${JSON.stringify(text.slice(0, 50))}`);
  return gender;
}

/** The official name, else the first usual one, else the first one that is not old or a maiden name. */
function nameOf(resource: Record<string, unknown>): { givenName: string; familyName: string } {
  const names = listOf(resource.name, 'name').filter(isObject);
  const pick =
    names.find((name) => name.use === 'official') ??
    names.find((name) => name.use === 'usual') ??
    names.find((name) => name.use !== 'old' && name.use !== 'maiden') ??
    names[0];
  if (!pick) fail('name', 'is required (a family and a given name)');
  const family = optionalString(pick.family, 'name.family');
  const given = listOf(pick.given, 'name.given').map((part, i) => optionalString(part, `name.given[${i}]`) ?? '');
  const givenName = given.join(' ').trim();
  if (!family?.trim()) fail('name.family', 'is required');
  if (!givenName) fail('name.given', 'is required');
  // Lengths and characters are checked by the write path, with the same rules as createPatient.
  return { givenName, familyName: family };
}

/** E.164 when the number reads as one once spaces, dots, dashes and brackets are gone; else left out. */
function phoneOf(value: string): string | null {
  const compact = value.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{1,14}$/.test(compact) ? compact : null;
}

function telecomOf(resource: Record<string, unknown>): { email: string | null; phone: string | null } {
  let email: string | null = null;
  let phone: string | null = null;
  for (const point of listOf(resource.telecom, 'telecom').filter(isObject)) {
    const value = typeof point.value === 'string' ? point.value : undefined;
    if (!value) continue;
    if (point.system === 'email' && email === null) email = value;
    // Numbers without a country code (Synthea writes 555-123-4567) cannot be stored as E.164: left out.
    if (point.system === 'phone' && phone === null) phone = phoneOf(value);
  }
  return { email, phone };
}

function addressOf(resource: Record<string, unknown>): AddressDraft | null {
  const addresses = listOf(resource.address, 'address').filter(isObject);
  const pick = addresses.find((address) => address.use === 'home') ?? addresses[0];
  if (!pick) return null;
  return {
    line: listOf(pick.line, 'address.line').map((line, i) => optionalString(line, `address.line[${i}]`) ?? ''),
    city: optionalString(pick.city, 'address.city') ?? null,
    state: optionalString(pick.state, 'address.state') ?? null,
    postalCode: optionalString(pick.postalCode, 'address.postalCode') ?? null,
    country: optionalString(pick.country, 'address.country') ?? null,
  };
}

function identifiersOf(resource: Record<string, unknown>): {
  mrn: string | undefined;
  identifiers: PatientIdentifierValue[];
} {
  let mrn: string | undefined;
  const bySystem = new Map<string, string>();
  listOf(resource.identifier, 'identifier').forEach((identifier, i) => {
    if (!isObject(identifier)) fail(`identifier[${i}]`, 'must be an object');
    const system = optionalString(identifier.system, `identifier[${i}].system`)?.trim();
    const value = optionalString(identifier.value, `identifier[${i}].value`)?.trim();
    // An identifier without a namespace cannot say who the patient is: not an idempotency key.
    if (!system || !value) return;
    if (system === MRN_SYSTEM) mrn ??= value;
    else if (!bySystem.has(system)) bySystem.set(system, value);
  });
  return { mrn, identifiers: [...bySystem].map(([system, value]) => ({ system, value })) };
}

/** What a Patient resource says; BAD_USER_INPUT names the FHIR element that cannot be read. */
export function readPatientResource(resource: Record<string, unknown>): ImportedPatient {
  return {
    ...identifiersOf(resource),
    ...nameOf(resource),
    gender: genderOf(resource.gender),
    birthDate: birthDateOf(resource.birthDate),
    deceasedAt: deceasedOf(resource),
    ...telecomOf(resource),
    address: addressOf(resource),
  };
}
