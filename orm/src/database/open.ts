import path from 'node:path';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded.js';
import { createDatabaseIfMissing } from './bootstrap.js';
import { REPO_ROOT } from './subgraphs.js';

export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data');
const EMBEDDED_DATABASE = 'healthsync';

export interface OpenedDatabase {
  /** URL of the owner/admin connection (migrations, provisioning). */
  adminUrl: string;
  /** True when this process started an embedded cluster (and `stop` stops it). */
  embedded: boolean;
  /** That cluster, when embedded: its server process can be watched and restarted. */
  cluster?: EmbeddedDatabase;
  stop(): Promise<void>;
}

/**
 * Uses `databaseUrl` when given; otherwise starts the embedded PostgreSQL under `dataDir`
 * (creating it on first use) with a `healthsync` database.
 */
export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    await createDatabaseIfMissing(options.databaseUrl);
    return { adminUrl: options.databaseUrl, embedded: false, stop: async () => {} };
  }
  const cluster = await startEmbeddedPostgres({
    dataDir: path.join(options.dataDir ?? DEFAULT_DATA_DIR, 'postgres'),
    ...(options.log ? { log: options.log } : {}),
  });
  const adminUrl = cluster.url.replace(/\/postgres$/, `/${EMBEDDED_DATABASE}`);
  try {
    await createDatabaseIfMissing(adminUrl);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return { adminUrl, embedded: true, cluster, stop: () => cluster.stop() };
}
