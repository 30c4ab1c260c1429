import { z } from 'zod';
import {
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  env,
  graphqlLimitsEnvironment,
  parseEnvironment,
  SUBGRAPH_LIMITS,
} from '@healthsync/orm';

/** Every setting of the patients subgraph; nothing else reads process.env. */
export const PatientsEnvironment = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  HOST: z.string().default('0.0.0.0'),
  PORT: env.port(4002),
  PATIENTS_DATABASE_URL: env.url(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/)
    .default('100kb'),
  ...graphqlLimitsEnvironment(SUBGRAPH_LIMITS),
  /** Where the users subgraph publishes the public keys of access tokens. */
  JWKS_URL: env.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  JWT_ISSUER: z.string().default(DEFAULT_TOKEN_ISSUER),
  JWT_AUDIENCE: z.string().default(DEFAULT_TOKEN_AUDIENCE),
  /** When set, /graphql refuses requests that do not carry it, and the revocation list is fetched with it. */
  SUBGRAPH_SECRET: z.string().min(32).optional(),
});
export type PatientsConfig = z.infer<typeof PatientsEnvironment>;

export function loadPatientsConfig(source: Record<string, string | undefined> = process.env): PatientsConfig {
  return parseEnvironment(PatientsEnvironment, source);
}
