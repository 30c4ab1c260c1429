/**
 * Production starts: without SUBGRAPH_SECRET every service's environment is refused, and the real
 * entry point (`node --import tsx gateway/src/index.ts`) says so in one line and exits 1; the
 * secret may come from a file (SUBGRAPH_SECRET_FILE, a Docker secret) instead.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '@healthsync/orm';
import { REPO_ROOT } from '@healthsync/orm/database';
import { loadPatientsConfig } from '@healthsync/patients/environment';
import { loadUsersConfig } from '@healthsync/users/environment';
import { loadGatewayConfig } from '../src/environment.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-production-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const DATABASE = 'postgres://nobody:nothing@127.0.0.1:1/healthsync';
const SERVICES = {
  gateway: (source: Record<string, string>) => loadGatewayConfig(source),
  'users subgraph': (source: Record<string, string>) => loadUsersConfig({ USERS_DATABASE_URL: DATABASE, ...source }),
  'patients subgraph': (source: Record<string, string>) =>
    loadPatientsConfig({ PATIENTS_DATABASE_URL: DATABASE, ...source }),
};

describe.each(Object.entries(SERVICES))('the %s', (_name, load) => {
  test('refuses production without SUBGRAPH_SECRET, naming it', () => {
    const refusal = (() => {
      try {
        load({ NODE_ENV: 'production' });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(EnvironmentError);
    expect((refusal as EnvironmentError).problems).toEqual([
      expect.stringMatching(/^SUBGRAPH_SECRET: required when NODE_ENV=production/),
    ]);
    expect(() => load({ NODE_ENV: 'development' })).not.toThrow();
  });

  test('takes it from SUBGRAPH_SECRET_FILE', () => {
    const secret = 'a-docker-secret-'.repeat(3);
    const file = path.join(folder, 'subgraph_secret');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    expect(load({ NODE_ENV: 'production', SUBGRAPH_SECRET_FILE: file }).SUBGRAPH_SECRET).toBe(secret);
  });
});

test('the real entry point refuses in one line and exit code 1, no stack trace', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  expect(stderr.trim()).toMatch(/^Invalid environment: SUBGRAPH_SECRET: required when NODE_ENV=production[^\n]*$/);
}, 30_000);
