import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { BadUserInputError } from '@healthsync/orm';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 128;

// zxcvbn's list of the ~30,000 most used passwords; only the long enough ones can reach the check.
const COMMON_PASSWORDS = new Set(dictionary.passwords.filter((word) => word.length >= PASSWORD_MIN_LENGTH));

/** Length 12–128 (code points) and not one of the most common passwords (whatever its case). */
export function assertAcceptablePassword(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(
      `Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      field,
    );
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    throw new BadUserInputError('This password is too common; choose another one', field);
  }
}

/** True when `hash` was made with weaker parameters than today's (rehash it on the next login). */
export const needsRehash = (hash: string) => argon2.needsRehash(hash, ARGON2_OPTIONS);

/**
 * How many argon2 computations run at once. argon2 runs on libuv's pool of 4 threads: a burst of
 * sign-ins would keep every core hashing (19 MiB, tens of ms each) and starve the other requests
 * of this process and its neighbours. Half the cores, at least one; the rest of the burst waits.
 */
const ARGON2_CONCURRENCY = Math.max(1, Math.floor(availableParallelism() / 2));
/**
 * While sign-ins queue, a slot rests as long as its hash took before the next one starts: hashing
 * takes at most half of those cores' time during a burst (about 12 sign-ins a second per core
 * here), and the other requests keep the rest. A sign-in with nobody waiting starts at once.
 */
const ARGON2_REST_RATIO = 1;

/**
 * Runs at most `concurrency` of the tasks given to it at once, the others in arrival order. With
 * `restRatio`, a slot freed while tasks wait is handed on only after `restRatio` times the
 * duration of the task that held it.
 */
export function createLimiter(concurrency: number, { restRatio = 0 }: { restRatio?: number } = {}) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < concurrency) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    const started = performance.now();
    try {
      return await work();
    } finally {
      // The slot goes to the next in line (after its rest), or back to the pool.
      const next = waiting.shift();
      if (!next) running--;
      else if (restRatio > 0) setTimeout(next, (performance.now() - started) * restRatio);
      else next();
    }
  };
}

const limited = createLimiter(ARGON2_CONCURRENCY, { restRatio: ARGON2_REST_RATIO });

export const hashPassword = (password: string) => limited(() => argon2.hash(password, ARGON2_OPTIONS));

// Verifying against this when the account does not exist keeps "unknown email" as slow as "wrong password".
const dummyHash = hashPassword('not-a-real-password-at-all');

/** True when `password` matches `hash`; spends the same time when there is no account (hash undefined). */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  const against = hash ?? (await dummyHash);
  const ok = await limited(() => argon2.verify(against, password)).catch(() => false);
  return ok && hash !== undefined;
}
