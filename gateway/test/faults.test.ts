/**
 * Faults with real processes: a users subgraph and a gateway as child processes, on a PostgreSQL
 * cluster of this file's own (the run's shared server cannot be stopped under other test files).
 * - The patients subgraph is down (nothing listens at its URL): a query that also asks for users
 *   data gets HTTP 200 with the users part and a masked error, and the gateway stays ready.
 * - PostgreSQL stops: requests fail with a masked error, readiness turns 503; it comes back: the
 *   services recover without a restart.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createDatabaseIfMissing,
  type EmbeddedDatabase,
  findFreePort,
  migrateAll,
  provisionDatabase,
  REPO_ROOT,
  startEmbeddedPostgres,
  subgraphDatabaseUrl,
} from '@healthsync/orm/database';
import { type ManagedChild, spawnChild, waitUntilReady } from '../src/stack/processes.js';
import { graphql } from '../src/stack/test-stack.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-faults-'));
chmodSync(folder, 0o755); // the cluster runs as `postgres` when we are root
const dataDir = path.join(folder, 'postgres');
let cluster: EmbeddedDatabase;
let pgPort: number;
const children: ManagedChild[] = [];
let users: ManagedChild;
let usersUrl: string;
let gatewayUrl: string;

function startService(name: string, entry: string, env: Record<string, string>): ManagedChild {
  const child = spawnChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO_ROOT, entry)],
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env },
    output: 'quiet',
  });
  children.push(child);
  return child;
}

/** What a masked error may not reveal: addresses, ports, driver or SQL details, stacks. */
function expectMasked(text: string) {
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\/|ECONNREFUSED|connect |\bSELECT\b|postgres|\.ts:\d+/i);
}

const readyUrl = (graphqlUrl: string) => new URL('/health/ready', graphqlUrl).toString();

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken user { email } } }`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }`;
const email = `faults-${Date.now()}@example.org`;
const password = 'a long and unusual passphrase 42';

beforeAll(async () => {
  pgPort = await findFreePort();
  cluster = await startEmbeddedPostgres({ dataDir, port: pgPort });
  const adminUrl = cluster.url.replace(/\/postgres$/, '/healthsync_faults');
  await createDatabaseIfMissing(adminUrl);
  const passwords = { users: 'users-faults-password', patients: 'patients-faults-password' };
  await provisionDatabase(adminUrl, passwords);
  await migrateAll(adminUrl);

  const [usersPort, gatewayPort, closedPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  usersUrl = `http://127.0.0.1:${usersPort}/graphql`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  users = startService('users', 'subgraphs/users/src/index.ts', {
    PORT: String(usersPort),
    USERS_DATABASE_URL: subgraphDatabaseUrl(adminUrl, 'users', passwords.users),
    KEYS_DIR: path.join(folder, 'keys'),
  });
  const gateway = startService('gateway', 'gateway/src/index.ts', {
    PORT: String(gatewayPort),
    USERS_URL: usersUrl,
    // Nothing listens here: the patients subgraph is down for the whole file.
    PATIENTS_URL: `http://127.0.0.1:${closedPort}/graphql`,
    JWKS_URL: new URL('/.well-known/jwks.json', usersUrl).toString(),
  });
  await Promise.all([waitUntilReady(users, readyUrl(usersUrl)), waitUntilReady(gateway, readyUrl(gatewayUrl))]);
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop('SIGTERM', 5_000)));
  await cluster?.stop();
  rmSync(folder, { recursive: true, force: true });
}, 60_000);

test('patients down: HTTP 200 with the users part, a masked error for the rest, the gateway still ready', async () => {
  const signUp = await graphql(gatewayUrl, SIGN_UP, { input: { email, password, name: 'Faults Tester' } });
  expect(signUp.errors).toBeUndefined();
  const { accessToken: token } = (signUp.data as { signUp: { accessToken: string } }).signUp;

  const response = await graphql(
    gatewayUrl,
    'query Mixed($id: ID!) { me { email } patient(id: $id) { id } }',
    { id: '00000000-0000-4000-8000-000000000000' },
    { authorization: `Bearer ${token}` },
  );
  expect(response.status).toBe(200);
  expect(response.data).toEqual({ me: { email }, patient: null });
  expect(response.errors?.length).toBeGreaterThan(0);
  expectMasked(response.text);

  // A list of patients is nullable for this reason: `me` still arrives beside its error.
  const list = await graphql(
    gatewayUrl,
    '{ me { email } patients { totalCount } }',
    {},
    {
      authorization: `Bearer ${token}`,
    },
  );
  expect(list.status).toBe(200);
  expect(list.data).toEqual({ me: { email }, patients: null });
  expect(list.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  expectMasked(list.text);

  // Reported, yet still in rotation: partial answers beat none.
  const ready = await fetch(readyUrl(gatewayUrl));
  expect([ready.status, await ready.json()]).toEqual([
    200,
    { status: 'degraded', stopping: false, dependencies: { supergraph: 'up', users: 'up', patients: 'down' } },
  ]);
});

test('PostgreSQL stopped: SERVICE_UNAVAILABLE and readiness 503; back: recovery without a restart', async () => {
  await cluster.stop();

  const login = await graphql(gatewayUrl, LOGIN, { input: { email, password } });
  expect(login.status).toBe(200);
  expect(login.data ?? null).toBeNull();
  expect(login.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  expectMasked(login.text);

  const ready = await fetch(readyUrl(usersUrl));
  expect([ready.status, await ready.json()]).toEqual([
    503,
    expect.objectContaining({ status: 'down', dependencies: { database: 'down' } }),
  ]);
  const gatewayReady = await fetch(readyUrl(gatewayUrl));
  expect([gatewayReady.status, await gatewayReady.json()]).toEqual([
    200,
    expect.objectContaining({ status: 'degraded', dependencies: expect.objectContaining({ users: 'down' }) }),
  ]);

  cluster = await startEmbeddedPostgres({ dataDir, port: pgPort });
  await waitUntilReady(users, readyUrl(usersUrl), 20_000);
  const again = await graphql(gatewayUrl, LOGIN, { input: { email, password } });
  expect(again.errors).toBeUndefined();
  expect(again.data).toEqual({ login: { accessToken: expect.any(String) } });
}, 60_000);
