import { randomBytes } from 'node:crypto';
import {
  createDatabaseIfMissing,
  dropDatabase,
  provisionDatabase,
  subgraphDatabaseUrl,
} from '../database/bootstrap.js';
import type { SubgraphName } from '../database/subgraphs.js';
import { testEnvironment } from './environment.js';

export interface TestDatabase {
  /** Owner connection (what migrations use); tests use it to look behind the services' backs. */
  adminUrl: string;
  /** Each subgraph's own role connection, as the services get it. */
  urls: Record<SubgraphName, string>;
  passwords: Record<SubgraphName, string>;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: a copy of the run's migrated template, or (`migrated:
 * false`) a provisioned one without any migration applied (the subgraph roles are the run's).
 */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const environment = testEnvironment();
  const adminUrl = Object.assign(new URL(environment.HEALTHSYNC_TEST_SERVER_URL), {
    pathname: `/hs_test_${randomBytes(6).toString('hex')}`,
  }).toString();
  if (migrated) await createDatabaseIfMissing(adminUrl, environment.HEALTHSYNC_TEST_TEMPLATE);
  else await provisionDatabase(adminUrl);
  const passwords = {
    users: environment.HEALTHSYNC_TEST_USERS_DB_PASSWORD,
    patients: environment.HEALTHSYNC_TEST_PATIENTS_DB_PASSWORD,
  };
  return {
    adminUrl,
    passwords,
    urls: {
      users: subgraphDatabaseUrl(adminUrl, 'users', passwords.users),
      patients: subgraphDatabaseUrl(adminUrl, 'patients', passwords.patients),
    },
    drop: () => dropDatabase(adminUrl),
  };
}
