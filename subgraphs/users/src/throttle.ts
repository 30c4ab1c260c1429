import { createHash } from 'node:crypto';
import { RateLimitedError } from '@healthsync/orm';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { UsersConfig } from './environment.js';

export interface LoginThrottle {
  /**
   * Counts one sign-in attempt for `email` and for `address`, BEFORE the password is checked, so
   * that parallel attempts (aliases in one request, concurrent requests, other replicas) are each
   * counted by PostgreSQL's atomic upsert. RATE_LIMITED, with the seconds until the window ends,
   * once either counter is over its limit. Unknown and known emails are counted alike.
   */
  attempt(email: string, address: string): Promise<void>;
  /** A successful sign-in clears the account's counter and gives the address its point back. */
  succeeded(email: string, address: string): Promise<void>;
}

export interface SignUpThrottle {
  /** Counts one sign-up attempt from `address`; RATE_LIMITED (with the seconds to wait) over the limit. */
  attempt(address: string): Promise<void>;
}

// The table holds no email address, only its digest.
const accountKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');

/** Consumes a point of each counter; RATE_LIMITED with the longest wait when any is over its limit. */
async function consumeAll(counters: [RateLimiterPostgres, string][]): Promise<void> {
  const outcomes = await Promise.allSettled(counters.map(([limiter, key]) => limiter.consume(key)));
  let retryAfterMs: number | undefined;
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') continue;
    if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
    retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.reason.msBeforeNext);
  }
  if (retryAfterMs !== undefined) throw new RateLimitedError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/** The `login_throttle` table as rate-limiter-flexible's PostgreSQL store sees it (`knex`: the ORM's, pool shared). */
const storeOf = (knex: unknown) => ({
  storeClient: knex,
  storeType: 'knex',
  schemaName: 'users',
  tableName: 'login_throttle',
  tableCreated: true, // made by the migration: the service role cannot create tables
});

/**
 * Sign-ups limited per client address (SIGNUP_MAX_PER_ADDRESS per SIGNUP_WINDOW_SECONDS), in the
 * same shared table as the sign-in counters: every attempt counts, made or refused, so that
 * nobody can mint accounts (or probe emails) in bulk from one address.
 */
export function createSignUpThrottle(knex: unknown, config: UsersConfig): SignUpThrottle {
  const byAddress = new RateLimiterPostgres({
    ...storeOf(knex),
    keyPrefix: 'signup',
    points: config.SIGNUP_MAX_PER_ADDRESS,
    duration: config.SIGNUP_WINDOW_SECONDS,
    // Stryker disable next-line BooleanLiteral: which limiter sweeps expired rows (every 5 minutes) no test can see
    clearExpiredByTimeout: false, // the sign-in throttle sweeps the shared table
  });
  return { attempt: (address) => consumeAll([[byAddress, address]]) };
}

/**
 * Failed sign-ins limited per account and per client address in the `login_throttle` table,
 * shared by every replica. A counter resets LOGIN_FAILURE_WINDOW_SECONDS after its first attempt:
 * an attacker can delay a victim's sign-in by one window at a time, never lock it for good.
 * `knex` is the ORM's query builder (its pool is shared).
 */
export function createLoginThrottle(knex: unknown, config: UsersConfig): LoginThrottle {
  const common = { ...storeOf(knex), duration: config.LOGIN_FAILURE_WINDOW_SECONDS };
  const byAccount = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'account',
    points: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
  });
  const byAddress = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'address',
    points: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    // Stryker disable next-line BooleanLiteral: which limiter sweeps expired rows (every 5 minutes) no test can see
    clearExpiredByTimeout: false, // one sweeper for the shared table is enough
  });

  return {
    attempt: (email, address) =>
      consumeAll([
        [byAccount, accountKey(email)],
        [byAddress, address],
      ]),
    async succeeded(email, address) {
      await Promise.all([byAccount.delete(accountKey(email)), byAddress.reward(address, 1)]);
    },
  };
}
