import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { type RunningStack, startStack } from '../src/stack/stack.js';

/**
 * The whole stack on free ports, as `npm start` runs it, nginx on the edge, on a fresh test
 * database: what the end-to-end security and conformance tests talk to.
 */
export async function startTestStack({ nodeEnv }: { nodeEnv: 'production' | 'development' }) {
  const database: TestDatabase = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-edge-'));
  // nginx workers run unprivileged when we are root: they buffer large bodies under this folder.
  chmodSync(dataDir, 0o755);
  let stack: RunningStack;
  try {
    stack = await startStack({
      databaseUrl: database.adminUrl,
      rolePasswords: database.passwords,
      dataDir,
      ports: { edge: 0, gateway: 0, users: 0, patients: 0 },
      nginxBin: 'nginx',
      // The edge under test is the real one: no silent fallback to the gateway answering it.
      requireNginx: true,
      nodeEnv,
      logLevel: 'silent',
      output: 'quiet',
      log: () => {},
    });
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    await stack.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { stack, edge: stack.urls.edge, stop };
}
export type TestStack = Awaited<ReturnType<typeof startTestStack>>;
