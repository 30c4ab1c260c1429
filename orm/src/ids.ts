import { BadUserInputError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID: anything else cannot name a row and is never sent to PostgreSQL as one. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** `value` when it is a UUID; otherwise BAD_USER_INPUT naming `field` (a client's mistake, not a miss). */
export function requireUuid(value: string, field = 'id'): string {
  if (!isUuid(value)) throw new BadUserInputError(`${field} must be an id (a UUID)`, field);
  return value;
}
