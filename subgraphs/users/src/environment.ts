import path from 'node:path';
import {
  databaseUrlWithPassword,
  DEFAULT_DATA_DIR,
  env,
  parseEnvironment,
  ROLES,
  SUBGRAPH_LIMITS,
  serviceEnvironment,
  withServiceChecks,
} from '@healthsync/orm';
import { z } from 'zod';

/** Every setting of the users subgraph; nothing else reads process.env. */
export const UsersEnvironment = z.object({
  ...serviceEnvironment({ port: 4001, limits: SUBGRAPH_LIMITS }),
  USERS_DATABASE_URL: env.url(),
  /** The role's password, when it is not in USERS_DATABASE_URL (a secret shared with the migrate job). */
  USERS_DB_PASSWORD: z.string().min(12).optional(),
  DATABASE_POOL_SIZE: env.poolSize(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Absolute lifetime of a session family, however often it is refreshed. */
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 24 * 3600),
  /** A refresh token unused for this long is dead (idle timeout). */
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** Where dev signing keys are made on first start; ignored when JWT_PRIVATE_KEY is set. */
  KEYS_DIR: z.string().default(path.join(DEFAULT_DATA_DIR, 'keys')),
  /** Production signing key: a private Ed25519 JWK (JSON) with a `kid`. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** The previous public JWK (JSON), still served in the JWKS during a rotation. */
  JWT_PREVIOUS_PUBLIC_KEY: z.string().optional(),
  SIGNUP_DEFAULT_ROLE: z.enum(ROLES).default('CLINICIAN'),
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
export type UsersConfig = z.infer<typeof UsersEnvironment>;

const CheckedUsersEnvironment = withServiceChecks(UsersEnvironment).refine(
  (c) => !c.ADMIN_EMAIL === !c.ADMIN_PASSWORD,
  {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together',
    path: ['ADMIN_PASSWORD'],
  },
);

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
