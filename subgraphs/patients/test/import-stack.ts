/**
 * A whole HealthSync stack (both subgraphs, gateway, nginx when installed) on free ports against
 * a fresh test database, for the data CLIs, which only ever talk to the public edge.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { startStack } from '../../../gateway/src/stack/stack.js';
import { type ApiClient, connect } from '../scripts/api.js';

export const STACK_ADMIN = { email: 'data-admin@example.org', password: 'a long admin password for the data tests' };

export async function startDataStack() {
  const database: TestDatabase = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-data-'));
  // nginx workers run unprivileged and buffer bodies over 16 kB (an import batch) under
  // dataDir/nginx/temp: mkdtemp's 0700 would make every such request a 500.
  chmodSync(dataDir, 0o755);
  try {
    const stack = await startStack({
      databaseUrl: database.adminUrl,
      rolePasswords: database.passwords,
      dataDir,
      ports: { edge: 0, gateway: 0, users: 0, patients: 0 },
      nginxBin: 'nginx',
      requireNginx: false,
      nodeEnv: 'test',
      logLevel: 'silent',
      output: 'quiet',
      log: () => {},
      env: { ADMIN_EMAIL: STACK_ADMIN.email, ADMIN_PASSWORD: STACK_ADMIN.password },
    });
    const admin = (): Promise<ApiClient> => connect({ url: stack.urls.edge, credentials: STACK_ADMIN });
    const stop = async () => {
      await stack.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    return { stack, database, url: stack.urls.edge, admin, stop };
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
