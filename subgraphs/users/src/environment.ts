import { z } from 'zod';
import { env, parseEnvironment, ROLES, DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@healthsync/orm';
import { DEFAULT_DATA_DIR } from '@healthsync/orm';
import path from 'node:path';

/** Every setting of the users subgraph; nothing else reads process.env. */
export const UsersEnvironment = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  HOST: z.string().default('0.0.0.0'),
  PORT: env.port(4001),
  USERS_DATABASE_URL: env.url(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/)
    .default('100kb'),
  JWT_ISSUER: z.string().default(DEFAULT_TOKEN_ISSUER),
  JWT_AUDIENCE: z.string().default(DEFAULT_TOKEN_AUDIENCE),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 24 * 3600),
  /** Where dev signing keys are made on first start; ignored when JWT_PRIVATE_KEY is set. */
  KEYS_DIR: z.string().default(path.join(DEFAULT_DATA_DIR, 'keys')),
  /** Production signing key: a private Ed25519 JWK (JSON) with a `kid`. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** The previous public JWK (JSON), still served in the JWKS during a rotation. */
  JWT_PREVIOUS_PUBLIC_KEY: z.string().optional(),
  SIGNUP_DEFAULT_ROLE: z.enum(ROLES).default('CLINICIAN'),
});
export type UsersConfig = z.infer<typeof UsersEnvironment>;

export function loadUsersConfig(source: Record<string, string | undefined> = process.env): UsersConfig {
  return parseEnvironment(UsersEnvironment, source);
}
