import argon2 from 'argon2';
import { BadUserInputError } from '@healthsync/orm';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export function assertAcceptablePassword(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(
      `Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      field,
    );
  }
}

export const hashPassword = (password: string) => argon2.hash(password, ARGON2_OPTIONS);

// Verifying against this when the account does not exist keeps "unknown email" as slow as "wrong password".
const dummyHash = hashPassword('not-a-real-password-at-all');

/** True when `password` matches `hash`; spends the same time when there is no account (hash undefined). */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  const ok = await argon2.verify(hash ?? (await dummyHash), password).catch(() => false);
  return ok && hash !== undefined;
}
