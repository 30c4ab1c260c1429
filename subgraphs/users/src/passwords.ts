import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { type MatchExtended, ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEnglish from '@zxcvbn-ts/language-en';
import { BadUserInputError, RateLimitedError } from '@healthsync/orm';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 128;
/** What a password may not be built from, whoever chooses it. */
const SERVICE_WORDS = ['healthsync', 'health sync', 'health-sync'];

/**
 * zxcvbn-ts with every dictionary it ships in English: the ~49,000 most used and breached
 * passwords, English words, names, Wikipedia terms, keyboard layouts (spatial patterns).
 */
let zxcvbnFactory: ZxcvbnFactory | undefined;
/** Built at the first check (about a second of CPU: it ranks every dictionary), not at start. */
const zxcvbn = () =>
  (zxcvbnFactory ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEnglish.translations,
    // Its matching grows faster than the length (2 s for 128 characters here, on the event loop):
    // the first 64 characters are judged, which is more than any guessable password needs.
    maxLength: 64,
  }));
/** The shipped list of common and breached passwords, whatever their length, lower case. */
const COMMON_PASSWORDS = new Set(
  (zxcvbnCommon.dictionary as Record<string, string[]>)['passwords-common']?.map((word) => word.toLowerCase()),
);
if (COMMON_PASSWORDS.size < 10_000) throw new Error('@zxcvbn-ts/language-common has no password list');

/** zxcvbn's score 3: about 10^8 guesses, "safely unguessable" against an online attack (which we throttle). */
const MIN_GUESSES_LOG10 = 8;

/** Whose password it is: words it may not be built from. */
export interface PasswordOwner {
  email?: string | undefined;
  name?: string | undefined;
}

/** The owner's email, its local part and domain labels, their name and its words, and the service's name. */
function contextWords({ email, name }: PasswordOwner): string[] {
  const words = new Set(SERVICE_WORDS);
  const add = (word: string | undefined) => {
    const lower = word?.trim().toLowerCase();
    if (lower && lower.length >= 3) words.add(lower);
  };
  add(email);
  const [local, domain] = (email ?? '').split('@');
  add(local);
  for (const part of local?.split(/[._+-]/) ?? []) add(part);
  for (const label of domain?.split('.').slice(0, -1) ?? []) add(label);
  add(name);
  for (const part of name?.split(/\s+/) ?? []) add(part);
  return [...words];
}

const REPETITIVE_PATTERNS = new Set(['repeat', 'sequence', 'spatial']);
const charactersIn = (matches: MatchExtended[], test: (match: MatchExtended) => boolean) =>
  matches.filter(test).reduce((sum, match) => sum + match.token.length, 0);

/**
 * NIST SP 800-63B §5.1.1.2: 12–128 characters (code points), no composition rules, and refused
 * when it is on the shipped list of common and breached passwords (as a whole, or once trailing
 * digits and symbols are stripped: `Football12345`), when it is mostly the service's name or the
 * owner's email or name, or when it is repetitive or sequential (`zzzzzzzzzzzz`, `asdfghjkl123`)
 * or otherwise guessable within 10^8 guesses (zxcvbn). The message says why and never repeats
 * the password.
 */
export function assertAcceptablePassword(password: string, owner: PasswordOwner = {}, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(
      `Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      field,
    );
  }
  const refuse = (why: string): never => {
    throw new BadUserInputError(`This password ${why}; choose another one`, field);
  };
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\p{N}\p{P}\p{S}\s]+$/u, '');
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(stem)) {
    refuse('is on a list of common or breached passwords');
  }
  // What is left once the service's name and the owner's own words are taken out must stand on its own.
  const words = contextWords(owner).sort((a, b) => b.length - a.length);
  const rest = words.reduce((left, word) => left.split(word).join(''), lower).replace(/[\p{P}\p{S}\s]/gu, '');
  if (rest.length < lower.replace(/[\p{P}\p{S}\s]/gu, '').length) {
    if ([...rest].length < PASSWORD_MIN_LENGTH / 2 || zxcvbn().check(rest).guessesLog10 < MIN_GUESSES_LOG10)
      refuse("is built from the service's name or your own email or name");
  }
  const result = zxcvbn().check(password, words);
  const matches = result.sequence;
  if (result.guessesLog10 >= MIN_GUESSES_LOG10) return;
  if (charactersIn(matches, (match) => REPETITIVE_PATTERNS.has(match.pattern)) * 2 >= length)
    refuse('is repetitive or sequential');
  if (charactersIn(matches, (match) => match.dictionaryName === 'passwords-common') * 2 >= length)
    refuse('is on a list of common or breached passwords');
  refuse('is too easy to guess (common words, names, dates or keyboard patterns)');
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

/** Thrown by a limiter whose queue is full: the caller should come back in `retryAfterMs`. */
export class LimiterFullError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('too many tasks waiting');
  }
}

/**
 * Runs at most `concurrency` of the tasks given to it at once, the others in arrival order. With
 * `restRatio`, a slot freed while tasks wait is handed on only after `restRatio` times the
 * duration of the task that held it. With `maxWaitMs`, a task that would wait longer than that
 * (the tasks ahead of it, at the recent average duration and rest) is refused at once with
 * LimiterFullError: under a flood, or with the CPU taken by others, the queue gets shorter.
 */
export function createLimiter(
  concurrency: number,
  { restRatio = 0, maxWaitMs = Number.POSITIVE_INFINITY }: { restRatio?: number; maxWaitMs?: number } = {},
) {
  let running = 0;
  /** Recent task duration (ms), a moving average; a first guess until tasks have run. */
  let averageMs = 50;
  const waiting: (() => void)[] = [];
  const waitFor = (ahead: number) => (ahead * averageMs * (1 + restRatio)) / concurrency;
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < concurrency) running++;
    else if (waitFor(waiting.length + 1) > maxWaitMs) throw new LimiterFullError(waitFor(waiting.length + 1));
    else await new Promise<void>((resolve) => waiting.push(resolve));
    const started = performance.now();
    try {
      return await work();
    } finally {
      const took = performance.now() - started;
      averageMs = averageMs * 0.8 + took * 0.2;
      // The slot goes to the next in line (after its rest), or back to the pool.
      const next = waiting.shift();
      if (!next) running--;
      else if (restRatio > 0) setTimeout(next, took * restRatio);
      else next();
    }
  };
}

/**
 * The argon2 computations of this process, behind the limiter; one that would wait longer than
 * `maxWaitMs` answers RATE_LIMITED at once.
 */
export function createPasswordHasher({ maxWaitMs }: { maxWaitMs: number }) {
  const limited = createLimiter(ARGON2_CONCURRENCY, { restRatio: ARGON2_REST_RATIO, maxWaitMs });
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await limited(work);
    } catch (error) {
      if (error instanceof LimiterFullError)
        throw new RateLimitedError(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
      throw error;
    }
  };
  // Verifying against this when the account does not exist keeps "unknown email" as slow as "wrong password".
  let dummyHash: Promise<string> | undefined;
  const hash = (password: string) => run(() => argon2.hash(password, ARGON2_OPTIONS));
  return {
    hash,
    /**
     * assertAcceptablePassword, then the hash, both in one slot of the bounded queue: the check
     * (zxcvbn, tens of ms on the event loop) is not free either, so a full queue refuses it too.
     */
    hashAcceptable: (password: string, owner: PasswordOwner, field?: string) =>
      run(() => {
        assertAcceptablePassword(password, owner, field);
        return argon2.hash(password, ARGON2_OPTIONS);
      }),
    /** True when `password` matches `hash`; spends the same time when there is no account (hash undefined). */
    async verify(hash: string | undefined, password: string): Promise<boolean> {
      dummyHash ??= argon2.hash('not-a-real-password-at-all', ARGON2_OPTIONS);
      const against = hash ?? (await dummyHash);
      const ok = await run(() => argon2.verify(against, password).catch(() => false));
      return ok && hash !== undefined;
    },
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
