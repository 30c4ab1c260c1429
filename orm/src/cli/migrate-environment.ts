import { z } from 'zod';
import { DEFAULT_DATA_DIR } from '../database/open.js';

/**
 * Settings of `npm run migrate` (and of the compose `migrate` job); a module of its own so that
 * checks such as the compose test can read the keys without running the CLI.
 */
export const MigrateEnvironment = z.object({
  /** Admin connection (schema owner); unset: the embedded PostgreSQL under .data/. */
  DATABASE_URL: z.url().optional(),
  /** Its password, when it is not in DATABASE_URL (the postgres container's, as a Docker secret). */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Login passwords given to the subgraphs' roles; unset: the roles keep theirs. */
  USERS_DB_PASSWORD: z.string().min(12).optional(),
  PATIENTS_DB_PASSWORD: z.string().min(12).optional(),
});

/** Settings of the MikroORM CLI run in a subgraph's folder (its mikro-orm.config.js). */
export const MikroOrmCliEnvironment = z.object({
  /** Admin connection (schema owner); unset: the embedded PostgreSQL that `npm start` runs under DATA_DIR. */
  DATABASE_URL: z.url().optional(),
  /** Its password, when it is not in DATABASE_URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Where `npm start` keeps its embedded cluster (relative paths: from the repository root). */
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
});
