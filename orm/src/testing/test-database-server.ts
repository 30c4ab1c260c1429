/**
 * The database a test run needs: one PostgreSQL for the whole run (DATABASE_URL's server when
 * set, otherwise an embedded cluster in a temporary folder) and one migrated template database
 * that each test file copies (createTestDatabase). Shared by `npm test` and `npm run mutate`.
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
import { parseEnvironment } from '../environment.js';
import type { TestEnvironment } from './environment.js';

/**
 * Provisions the server and the template, runs `run` with the environment test files read
 * (testEnvironment(), NODE_ENV=test, logs silent unless LOG_LEVEL says otherwise), then drops
 * what it made. Resolves with what `run` resolves with.
 */
export async function withTestDatabase<T>(run: (environment: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
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
    return await run({
      ...process.env,
      ...testEnvironment,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    });
  } finally {
    if (DATABASE_URL) await dropDatabase(templateUrl).catch(() => {});
    await stopDatabase();
  }
}

/** Runs node with `args` and `env`, passing SIGINT and SIGTERM on; resolves with its exit code. */
export function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      if (signal)
        console.error(
          `${path.basename(args.find((arg) => !arg.startsWith('-')) ?? 'node')} was killed by ${signal} (a crash in a native module?)`,
        );
      resolve(code ?? 1);
    });
  });
}
