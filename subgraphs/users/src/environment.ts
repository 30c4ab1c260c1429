import path from 'node:path';
import { databaseUrlWithPassword, DEFAULT_DATA_DIR } from '@healthsync/orm/database';
import { env, parseEnvironment } from '@healthsync/orm';
import { ROLES } from '@healthsync/orm/auth';
import { SUBGRAPH_LIMITS, serviceEnvironment, withServiceChecks } from '@healthsync/orm/http';
import { z } from 'zod';

export const SIGNUP_MODES = ['open', 'approval', 'invite'] as const;
export type SignUpMode = (typeof SIGNUP_MODES)[number];

/** The longest idle timeout and absolute session lifetime a deployment may set. */
export const MAX_SESSION_IDLE_SECONDS = 30 * 60;
export const MAX_SESSION_ABSOLUTE_SECONDS = 12 * 3600;

/** Every setting of the users subgraph; nothing else reads process.env. */
export const UsersEnvironment = z.object({
  ...serviceEnvironment({ port: 4001, limits: SUBGRAPH_LIMITS }),
  USERS_DATABASE_URL: env.url(),
  /** The role's password, when it is not in USERS_DATABASE_URL (a secret shared with the migrate job). */
  USERS_DB_PASSWORD: z.string().min(12).optional(),
  DATABASE_POOL_SIZE: env.poolSize(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /**
   * Automatic logoff (HIPAA 164.312(a)(2)(iii), OWASP ASVS 3.3.2 level 2): a session unused for
   * this long ends (its refresh token dies)…
   */
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(MAX_SESSION_IDLE_SECONDS, { message: `at most ${MAX_SESSION_IDLE_SECONDS} (30 minutes, OWASP ASVS 3.3.2)` })
    .default(MAX_SESSION_IDLE_SECONDS),
  /** …and every session ends this long after its sign-in, however often it is refreshed. */
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(MAX_SESSION_ABSOLUTE_SECONDS, {
      message: `at most ${MAX_SESSION_ABSOLUTE_SECONDS} (12 hours, OWASP ASVS 3.3.2)`,
    })
    .default(MAX_SESSION_ABSOLUTE_SECONDS),
  /** Where dev signing keys are made on first start; ignored when JWT_PRIVATE_KEY is set. */
  KEYS_DIR: z.string().default(path.join(DEFAULT_DATA_DIR, 'keys')),
  /** Production signing key: a private Ed25519 JWK (JSON) with a `kid`. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** The previous public JWK (JSON), still served in the JWKS during a rotation. */
  JWT_PREVIOUS_PUBLIC_KEY: z.string().optional(),
  /**
   * Who may sign up: `open` (at once, with SIGNUP_DEFAULT_ROLE), `approval` (PENDING until an
   * admin approves), `invite` (with an admin's invitation only). Unset: `approval` in production,
   * `open` otherwise.
   */
  SIGNUP_MODE: z.enum(SIGNUP_MODES).optional(),
  /** The role of an open sign-up. */
  SIGNUP_DEFAULT_ROLE: z.enum(ROLES).default('CLINICIAN'),
  /** Sign-ups allowed per client address within one window (each attempt counts). */
  SIGNUP_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  SIGNUP_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** How long an invitation can be used. */
  INVITATION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(30 * 24 * 3600)
    .default(7 * 24 * 3600),
  /**
   * Longest wait for a hashing slot (sign-up, sign-in, password change), in ms, judged from the
   * queue ahead at the recent hashing speed: a request that would wait longer is answered
   * RATE_LIMITED at once instead.
   */
  PASSWORD_HASH_MAX_WAIT_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** First administrator, created at start when no active admin exists (both or neither). */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
  /** Failed sign-ins allowed per account, then per client address, within one window. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15 * 60),
});

const CheckedUsersEnvironment = withServiceChecks(UsersEnvironment)
  .refine((c) => !c.ADMIN_EMAIL === !c.ADMIN_PASSWORD, {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together',
    path: ['ADMIN_PASSWORD'],
  })
  .refine((c) => c.SESSION_IDLE_TIMEOUT_SECONDS <= c.SESSION_ABSOLUTE_TIMEOUT_SECONDS, {
    message: 'at most SESSION_ABSOLUTE_TIMEOUT_SECONDS',
    path: ['SESSION_IDLE_TIMEOUT_SECONDS'],
  })
  .refine((c) => c.ACCESS_TOKEN_TTL_SECONDS <= c.SESSION_IDLE_TIMEOUT_SECONDS, {
    message: 'at most SESSION_IDLE_TIMEOUT_SECONDS (an access token must not outlive the idle timeout)',
    path: ['ACCESS_TOKEN_TTL_SECONDS'],
  })
  .transform((c) => ({ ...c, SIGNUP_MODE: c.SIGNUP_MODE ?? (c.NODE_ENV === 'production' ? 'approval' : 'open') }));
export type UsersConfig = z.infer<typeof CheckedUsersEnvironment>;

export function loadUsersConfig(source: Record<string, string | undefined> = process.env): UsersConfig {
  const config = parseEnvironment(CheckedUsersEnvironment, source);
  return {
    ...config,
    USERS_DATABASE_URL: databaseUrlWithPassword(config.USERS_DATABASE_URL, config.USERS_DB_PASSWORD),
  };
}

/** Settings of the admin CLI (`npm run users:create-admin`): like `npm run migrate`, plus the password. */
const AdminCliEnvironment = z.object({
  DATABASE_URL: env.url().optional(),
  ADMIN_PASSWORD: z.string().optional(),
});

export function loadAdminCliConfig(source: Record<string, string | undefined> = process.env) {
  return parseEnvironment(AdminCliEnvironment, source);
}

/** Settings of the key rotation command (`npm run users:rotate-keys`). */
const RotateKeysEnvironment = UsersEnvironment.pick({
  KEYS_DIR: true,
  JWT_PRIVATE_KEY: true,
  JWT_PREVIOUS_PUBLIC_KEY: true,
});

export function loadRotateKeysConfig(source: Record<string, string | undefined> = process.env) {
  return parseEnvironment(RotateKeysEnvironment, source);
}
