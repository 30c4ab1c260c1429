/**
 * Logs across processes: a gateway and a users subgraph as child processes at LOG_LEVEL=info. One
 * request leaves one line in each, under the same request id, with its operation and outcome;
 * no line holds the password, the tokens or the variables that went through.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort, REPO_ROOT } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';

interface LogLine {
  msg: string;
  service: string;
  [field: string]: unknown;
}

interface LoggedService {
  child: ChildProcess;
  output: () => string;
  lines: () => LogLine[];
}

const services: LoggedService[] = [];
/** Production services refuse to start without one; the gateway sends it, the subgraph checks it. */
const SECRET = randomBytes(32).toString('hex');
let database: TestDatabase;
let keysDir: string;
let gatewayUrl: string;
let users: LoggedService;
let gateway: LoggedService;

function startService(entry: string, env: Record<string, string>): LoggedService {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      SUBGRAPH_SECRET: SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const service: LoggedService = {
    child,
    output: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
  };
  services.push(service);
  return service;
}

/** Polls until ready; the deadline is the launcher's (a cold start on a busy machine takes over 20 s). */
async function waitUntilReady(url: string, service: LoggedService): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (service.child.exitCode !== null) throw new Error(`exited:\n${service.output()}`);
    if (
      await fetch(new URL('/health/ready', url)).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await sleep(200);
  }
  throw new Error(`never ready: ${url}\n${service.output()}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-log-keys-'));
  const [usersPort, gatewayPort] = [await findFreePort(), await findFreePort()];
  const usersUrl = `http://127.0.0.1:${usersPort}/graphql`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  const { generateKeyPairSync, randomUUID } = await import('node:crypto');
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  users = startService('subgraphs/users/src/index.ts', {
    PORT: String(usersPort),
    USERS_DATABASE_URL: database.urls.users,
    KEYS_DIR: keysDir,
    JWT_PRIVATE_KEY: JSON.stringify({ ...jwk, kid: randomUUID(), alg: 'EdDSA' }),
  });
  gateway = startService('gateway/src/index.ts', {
    PORT: String(gatewayPort),
    USERS_URL: usersUrl,
    PATIENTS_URL: `http://127.0.0.1:${await findFreePort()}/graphql`,
    JWKS_URL: new URL('/.well-known/jwks.json', usersUrl).toString(),
  });
  await Promise.all([waitUntilReady(usersUrl, users), waitUntilReady(gatewayUrl, gateway)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    services.map(async ({ child }) => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
  await database?.drop();
  rmSync(keysDir, { recursive: true, force: true });
}, 60_000);

test('one line per request in the gateway and the subgraph, same id, and nothing secret', async () => {
  const email = `logs-${Date.now()}@example.org`;
  const password = 'a very private passphrase 77';
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-1' },
    body: JSON.stringify({
      query: 'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken } }',
      operationName: 'SignUp',
      variables: { input: { email, password, name: 'Logged Person' } },
    }),
  });
  const { data } = (await response.json()) as { data: { signUp: { accessToken: string; refreshToken: string } } };
  expect(response.headers.get('x-request-id')).toBe('trace-me-1');

  // Written before the answer left, but read from the pipes asynchronously.
  const tracedLines = () => [...gateway.lines(), ...users.lines()].filter((line) => line.requestId === 'trace-me-1');
  for (let attempt = 0; attempt < 50 && tracedLines().length < 2; attempt += 1) await sleep(100);
  const traced = tracedLines();
  expect(traced).toEqual([
    expect.objectContaining({ service: 'gateway', msg: 'request', operationName: 'SignUp', outcome: 'success' }),
    expect.objectContaining({ service: 'users', msg: 'request', outcome: 'success', path: '/graphql' }),
  ]);
  const everything = gateway.output() + users.output();
  for (const secret of [password, data.signUp.accessToken, data.signUp.refreshToken, 'Logged Person']) {
    expect(everything).not.toContain(secret);
  }
});
