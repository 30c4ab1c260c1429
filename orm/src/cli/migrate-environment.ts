import { z } from 'zod';

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
