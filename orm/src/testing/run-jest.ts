/**
 * `npm test`: one PostgreSQL for the whole run (DATABASE_URL's server when set, otherwise an
 * embedded cluster in a temporary folder), one migrated template database that each test file
 * copies (createTestDatabase), then jest with the given arguments. Exits with jest's code.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { dropDatabase, provisionDatabase } from '../database/bootstrap.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { migrateAll } from '../database/migrate.js';
import { REPO_ROOT } from '../database/subgraphs.js';
import { parseEnvironment } from '../environment.js';
import { runMain } from '../process.js';
import type { TestEnvironment } from './environment.js';

runMain(async () => {
  const { DATABASE_URL } = parseEnvironment(z.object({ DATABASE_URL: z.url().optional() }), process.env);
  let serverUrl = DATABASE_URL;
  let stopDatabase = async () => {};
  if (!serverUrl) {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-test-'));
    chmodSync(folder, 0o755); // the cluster runs as `postgres` when we are root
    const cluster = await startEmbeddedPostgres({ dataDir: path.join(folder, 'postgres') }).catch((error: unknown) => {
      rmSync(folder, { recursive: true, force: true });
      throw error;
    });
    serverUrl = cluster.url;
    stopDatabase = async () => {
      await cluster.stop();
      rmSync(folder, { recursive: true, force: true });
    };
  }
  const template = `hs_template_${process.pid}`;
  const templateUrl = Object.assign(new URL(serverUrl), { pathname: `/${template}` }).toString();
  let exitCode = 1;
  try {
    const passwords = { users: randomBytes(18).toString('base64url'), patients: randomBytes(18).toString('base64url') };
    await provisionDatabase(templateUrl, passwords);
    await migrateAll(templateUrl);
    const testEnvironment: TestEnvironment = {
      HEALTHSYNC_TEST_SERVER_URL: serverUrl,
      HEALTHSYNC_TEST_TEMPLATE: template,
      HEALTHSYNC_TEST_USERS_DB_PASSWORD: passwords.users,
      HEALTHSYNC_TEST_PATIENTS_DB_PASSWORD: passwords.patients,
    };
    exitCode = await new Promise<number>((resolve) => {
      const jest = spawn(
        process.execPath,
        [
          '--experimental-vm-modules',
          '--disable-warning=ExperimentalWarning',
          path.join(REPO_ROOT, 'node_modules/jest/bin/jest.js'),
          ...process.argv.slice(2),
        ],
        {
          stdio: 'inherit',
          env: { ...process.env, ...testEnvironment, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
        },
      );
      const forward = (signal: NodeJS.Signals) => jest.kill(signal);
      process.on('SIGINT', forward).on('SIGTERM', forward);
      jest.on('exit', (code, signal) => {
        if (signal) console.error(`jest was killed by ${signal} (a crash in a native module?)`);
        resolve(code ?? 1);
      });
    });
  } finally {
    if (DATABASE_URL) await dropDatabase(templateUrl).catch(() => {});
    await stopDatabase();
  }
  process.exitCode = exitCode;
});
