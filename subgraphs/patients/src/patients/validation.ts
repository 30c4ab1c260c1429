import { BadUserInputError } from '@healthsync/orm';
import type { Gender, PatientAddress, PatientIdentifierValue } from '../entities.js';

/** What a client may set on a new patient: nothing else (no ids, versions, timestamps, authors). */
export interface PatientDraft {
  mrn?: string | null;
  givenName: string;
  familyName: string;
  gender?: Gender | null;
  birthDate?: string | null;
  deceasedAt?: Date | null;
  email?: string | null;
  phone?: string | null;
  address?: AddressDraft | null;
  identifiers?: PatientIdentifierValue[] | null;
}

export interface AddressDraft {
  line?: string[] | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

/** A partial change: absent fields stay, null clears an optional one. */
export type PatientChanges = { [K in keyof Omit<PatientDraft, 'mrn'>]?: PatientDraft[K] | null };

/** Validated, normalised fields, ready for the entity. */
export interface PatientFields {
  givenName: string;
  familyName: string;
  gender: Gender;
  birthDate: string | null;
  deceasedAt: Date | null;
  email: string | null;
  phone: string | null;
  address: PatientAddress | null;
  identifiers: PatientIdentifierValue[];
}

export const LIMITS = {
  name: 100,
  mrn: 32,
  email: 254,
  addressLines: 4,
  addressLine: 200,
  addressPart: 100,
  identifiers: 20,
  identifierSystem: 255,
  identifierValue: 100,
} as const;

const MRN = /^[A-Z0-9][A-Z0-9-]*$/;
// Stryker disable next-line Regex: isCalendarDate's round trip through toISOString pins the shape on its own
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
// Every control character (Unicode Cc): C0, DEL and C1 (U+0080-009F). No name, address or key
// holds a C1 one: it is Windows-1252 text misread as Latin-1 (U+0092 for an apostrophe), or a
// terminal control (U+009B opens an escape sequence) waiting for the log or screen that shows it.
const CONTROL = /\p{Cc}/u;
const EARLIEST_BIRTH_DATE = '1850-01-01';

/** Today's date where it is latest on Earth (UTC+14): a newborn registered anywhere is never "in the future". */
function latestToday(now = Date.now()): string {
  // Stryker disable next-line MethodExpression: a full timestamp orders against YYYY-MM-DD as its date does
  return new Date(now + 14 * 3600_000).toISOString().slice(0, 10);
}

/** Trimmed, inner whitespace collapsed, within `max` characters and free of control characters. */
function text(value: string, field: string, max: number): string {
  const cleaned = value.trim().replace(/\s+/g, ' ');
  if (cleaned.length === 0) throw new BadUserInputError(`${field} must not be empty`, field);
  if (cleaned.length > max) throw new BadUserInputError(`${field} must be at most ${max} characters`, field);
  if (CONTROL.test(cleaned)) throw new BadUserInputError(`${field} must not contain control characters`, field);
  return cleaned;
}

function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return text(value, field, max);
}

export function normaliseMrn(value: string, field = 'mrn'): string {
  const mrn = value.trim().toUpperCase();
  if (mrn.length > LIMITS.mrn || !MRN.test(mrn))
    throw new BadUserInputError(
      `${field} must be 1 to ${LIMITS.mrn} letters, digits or hyphens, starting with a letter or digit`,
      field,
    );
  return mrn;
}

/**
 * YYYY-MM-DD naming a real day: Date.parse alone rolls 1990-02-30 over to March. Year 0 does not
 * exist (PostgreSQL refuses it), though JavaScript and the LocalDate scalar accept it.
 */
export function isCalendarDate(value: string): boolean {
  if (!LOCAL_DATE.test(value) || value.startsWith('0000')) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** A UTC instant as `YYYY-MM-DDTHH:MM:SS` and up to 6 fraction digits and `Z`, naming a real moment of years 1–9999. */
export function isUtcTimestamp(value: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/.exec(value);
  if (!match || !isCalendarDate(match[1]!)) return false;
  const [hours, minutes, seconds] = [match[2], match[3], match[4]].map(Number) as [number, number, number];
  return hours < 24 && minutes < 60 && seconds < 60;
}

/** A date PostgreSQL can store: years 1–9999 (JavaScript and the DateTime scalar accept year 0). */
export function isStorableDate(value: Date): boolean {
  const year = value.getUTCFullYear();
  return !Number.isNaN(value.getTime()) && year >= 1 && year <= 9999;
}

/** True when `value` holds a control character (NUL included), which no search or key may. */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

function birthDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!isCalendarDate(value)) throw new BadUserInputError('birthDate must be a date (YYYY-MM-DD)', 'birthDate');
  if (value > latestToday()) throw new BadUserInputError('birthDate must not be in the future', 'birthDate');
  if (value < EARLIEST_BIRTH_DATE)
    throw new BadUserInputError(`birthDate must not be before ${EARLIEST_BIRTH_DATE}`, 'birthDate');
  return value;
}

function deceasedAt(value: Date | null | undefined, born: string | null): Date | null {
  if (value === null || value === undefined) return null;
  if (Number.isNaN(value.getTime())) throw new BadUserInputError('deceasedAt must be a date-time', 'deceasedAt');
  if (value.getTime() > Date.now() + 60_000)
    throw new BadUserInputError('deceasedAt must not be in the future', 'deceasedAt');
  // Compared by calendar date: a death on the day of birth is possible.
  if (born && latestDateOf(value) < born)
    throw new BadUserInputError('deceasedAt must not be before birthDate', 'deceasedAt');
  return value;
}

/** The calendar date of `value` where it is latest on Earth. */
function latestDateOf(value: Date): string {
  return latestToday(value.getTime());
}

function email(value: string | null | undefined): string | null {
  const cleaned = optionalText(value, 'email', LIMITS.email);
  if (cleaned && !/^[^\s@]+@[^\s@]+$/.test(cleaned))
    throw new BadUserInputError('email must be an email address', 'email');
  return cleaned;
}

function phone(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const cleaned = value.trim();
  // E.164, what the PhoneNumber scalar accepts: "+" and at most 15 digits.
  if (!/^\+[1-9]\d{1,14}$/.test(cleaned))
    throw new BadUserInputError('phone must be an E.164 number such as +14155550123', 'phone');
  return cleaned;
}

function address(value: AddressDraft | null | undefined): PatientAddress | null {
  if (value === null || value === undefined) return null;
  const lines = (value.line ?? []).map((line, i) => optionalText(line, `address.line[${i}]`, LIMITS.addressLine));
  const line = lines.filter((l): l is string => l !== null);
  if (line.length > LIMITS.addressLines)
    throw new BadUserInputError(`address.line must have at most ${LIMITS.addressLines} lines`, 'address.line');
  const result: PatientAddress = {
    line,
    city: optionalText(value.city, 'address.city', LIMITS.addressPart),
    state: optionalText(value.state, 'address.state', LIMITS.addressPart),
    postalCode: optionalText(value.postalCode, 'address.postalCode', 20),
    country: optionalText(value.country, 'address.country', LIMITS.addressPart),
  };
  const empty = line.length === 0 && !result.city && !result.state && !result.postalCode && !result.country;
  return empty ? null : result;
}

function identifiers(value: PatientIdentifierValue[] | null | undefined): PatientIdentifierValue[] {
  if (value === null || value === undefined) return [];
  if (value.length > LIMITS.identifiers)
    throw new BadUserInputError(`identifiers must have at most ${LIMITS.identifiers} entries`, 'identifiers');
  const systems = new Set<string>();
  return value.map((identifier, i) => {
    const system = text(identifier.system ?? '', `identifiers[${i}].system`, LIMITS.identifierSystem);
    if (!URI.test(system))
      throw new BadUserInputError(`identifiers[${i}].system must be a URI`, `identifiers[${i}].system`);
    if (systems.has(system))
      throw new BadUserInputError(
        `identifiers[${i}].system: a patient has at most one identifier per system`,
        `identifiers[${i}].system`,
      );
    systems.add(system);
    return { system, value: text(identifier.value ?? '', `identifiers[${i}].value`, LIMITS.identifierValue) };
  });
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw new BadUserInputError(`${field} must not be null`, field);
  return value;
}

/** Validates a new patient's fields; BAD_USER_INPUT names the first bad field. */
export function validateDraft(draft: PatientDraft): PatientFields {
  const born = birthDate(draft.birthDate);
  return {
    givenName: text(required(draft.givenName, 'givenName'), 'givenName', LIMITS.name),
    familyName: text(required(draft.familyName, 'familyName'), 'familyName', LIMITS.name),
    gender: draft.gender ?? 'UNKNOWN',
    birthDate: born,
    deceasedAt: deceasedAt(draft.deceasedAt, born),
    email: email(draft.email),
    phone: phone(draft.phone),
    address: address(draft.address),
    identifiers: identifiers(draft.identifiers),
  };
}

/** Applies `changes` to `current` and validates the result as a whole (e.g. death after birth). */
export function validateChanges(current: PatientFields, changes: PatientChanges): PatientFields {
  const has = (key: keyof PatientChanges) => Object.hasOwn(changes, key) && changes[key] !== undefined;
  const merged = {
    givenName: has('givenName') ? required(changes.givenName, 'givenName') : current.givenName,
    familyName: has('familyName') ? required(changes.familyName, 'familyName') : current.familyName,
    gender: has('gender') ? required(changes.gender, 'gender') : current.gender,
    birthDate: has('birthDate') ? changes.birthDate : current.birthDate,
    deceasedAt: has('deceasedAt') ? changes.deceasedAt : current.deceasedAt,
    email: has('email') ? changes.email : current.email,
    phone: has('phone') ? changes.phone : current.phone,
    address: has('address') ? changes.address : current.address,
    identifiers: has('identifiers') ? changes.identifiers : current.identifiers,
  };
  return validateDraft(merged as PatientDraft);
}
