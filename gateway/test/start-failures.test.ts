/**
 * `npm start` (the launcher's main, as a process) refusing to start: each failure an operator can
 * fix is one line on stderr that says what to do, exit code 1, no stack trace, nothing left running.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, REPO_ROOT } from '@healthsync/orm/database';

const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-start-failures-'));
// Reachable by nginx's workers as root: a private folder would send the launcher's nginx prefix
// to /var/tmp (resolveDataDir), outside what this file removes.
chmodSync(folder, 0o755);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Runs the launcher with `env` over a minimal environment; its exit code and stderr. */
async function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'gateway/src/stack/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'silent',
      DATA_DIR: path.join(folder, 'data'),
      EDGE_PORT: '0',
      GATEWAY_PORT: '0',
      USERS_PORT: '0',
      PATIENTS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr: stderr.trim() };
}

/** A database URL nobody answers at. */
const unreachable = async () => `postgres://nobody:secret@127.0.0.1:${await findFreePort()}/healthsync`;

function expectOneLine(result: { code: number | null; stderr: string }, line: RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.split('\n')).toEqual([expect.stringMatching(line)]);
}

test('a port already taken', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const result = await start({ USERS_PORT: String(port), DATABASE_URL: await unreachable() });
    expectOneLine(
      result,
      new RegExp(
        `^port already in use: 127\\.0\\.0\\.1:${port} \\(users subgraph\\); stop what listens there or choose another port$`,
      ),
    );
  } finally {
    server.close();
  }
});

test('a database that cannot be reached', async () => {
  const url = await unreachable();
  const result = await start({ DATABASE_URL: url });
  expectOneLine(
    result,
    new RegExp(
      `^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${new URL(url).port}/\\w+ \\(ECONNREFUSED\\); start PostgreSQL, or correct the connection URL$`,
    ),
  );
  expect(result.stderr).not.toContain('secret');
});

test('a bad variable: every problem listed, one line each', async () => {
  const result = await start({ EDGE_PORT: 'eighty', EDGE_RATE_LIMIT: '0' });
  expect(result.code).toBe(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.split('\n')).toEqual([
    'Invalid environment:',
    expect.stringMatching(/^ {2}- EDGE_PORT: /),
    expect.stringMatching(/^ {2}- EDGE_RATE_LIMIT: /),
  ]);
});

test('an nginx that refuses its configuration', async () => {
  // An nginx whose `-t` says what the real one says of a broken template.
  const fake = path.join(folder, 'nginx');
  writeFileSync(
    fake,
    '#!/bin/sh\necho \'nginx: [emerg] unknown directive "limit_req_zonx" in /x/conf.d/healthsync.conf:58\' >&2\nexit 1\n',
  );
  chmodSync(fake, 0o755);
  const result = await start({ NGINX_BIN: fake, DATABASE_URL: await unreachable() });
  expectOneLine(
    result,
    /^nginx refused its configuration: nginx: \[emerg\] unknown directive "limit_req_zonx" in \/x\/conf\.d\/healthsync\.conf:58; check nginx\/healthsync\.conf\.template and the EDGE_\* settings$/,
  );
});

test('an nginx binary that cannot be run', async () => {
  const notExecutable = path.join(folder, 'not-nginx');
  writeFileSync(notExecutable, 'not a program\n');
  chmodSync(notExecutable, 0o644);
  const result = await start({ NGINX_BIN: notExecutable, REQUIRE_NGINX: '1', DATABASE_URL: await unreachable() });
  expectOneLine(
    result,
    /^nginx is required \(REQUIRE_NGINX\) but ".*not-nginx" was not found or cannot be run; install nginx or set NGINX_BIN$/,
  );
});
