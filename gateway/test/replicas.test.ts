/**
 * Two replicas of every service (GATEWAY_REPLICAS, USERS_REPLICAS, PATIENTS_REPLICAS) under the
 * `npm start` launcher, nginx in front: requests are spread over all of them, and what must be
 * shared is (PostgreSQL holds it): sign-in throttling, refresh-token reuse detection,
 * revocations, the audit trail, optimistic locking; killing one replica of each loses no write
 * that was acknowledged.
 */
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import pg from 'pg';
import type { RunningStack } from '../src/stack/stack.js';
import { graphql, startTestStack, type TestStack, bearer, codeOf } from '../src/stack/test-stack.js';

const SECRET = 'a-replicated-subgraph-secret-0123456789';
const ADMIN = { email: 'replicas-admin@example.org', password: 'the replicated admin passphrase' };
const MAX_FAILURES = 4;

let testStack: TestStack;
let stack: RunningStack;
/** Each child's request log lines, by child name ("users subgraph 2"…). */
const requests = new Map<string, { operationName?: string; path?: string }[]>();

beforeAll(async () => {
  testStack = await startTestStack({
    env: {
      SUBGRAPH_SECRET: SECRET,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_FAILURES),
    },
    launcher: {
      replicas: { gateway: 2, users: 2, patients: 2 },
      logLevel: 'info',
      onOutput: (child, text) => {
        for (const line of text.split('\n')) {
          if (!line.includes('"msg":"request"')) continue;
          const entry = JSON.parse(line) as { operationName?: string; path?: string };
          requests.set(child, [...(requests.get(child) ?? []), entry]);
        }
      },
    },
  });
  stack = testStack.stack;
}, 120_000);

afterAll(async () => {
  await testStack?.stop();
}, 60_000);

const asGateway = (headers: Record<string, string> = {}) => ({ [SUBGRAPH_SECRET_HEADER]: SECRET, ...headers });
const replica = (service: 'gateway' | 'users' | 'patients', index: number) =>
  stack.urls.replicas[service][index] as string;

const SIGN_UP =
  'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';
const CREATE = 'mutation Create($input: CreatePatientInput!) { createPatient(input: $input) { id version } }';
const UPDATE = `mutation Update($id: ID!, $v: Int!, $input: UpdatePatientInput!) {
  updatePatient(id: $id, expectedVersion: $v, input: $input) { id version familyName }
}`;

let accounts = 0;
async function signUp(tag: string) {
  const email = `${tag}-${++accounts}@example.org`;
  const password = 'a long and replicated secret';
  const result = await graphql(stack.urls.edge, SIGN_UP, { input: { email, password, name: tag } });
  expect(result.errors).toBeUndefined();
  return {
    email,
    password,
    ...(result.data?.signUp as { accessToken: string; refreshToken: string; user: { id: string } }),
  };
}

async function adminToken(): Promise<string> {
  const login = await graphql(stack.urls.edge, LOGIN, { input: ADMIN });
  expect(login.errors).toBeUndefined();
  return login.data?.login.accessToken;
}

/** Polls `probe` until it holds (every 100 ms, at most `ms`). */
async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('runs two of each service, and the edge spreads requests over every one of them', async () => {
  expect(Object.values(stack.urls.replicas).map((urls) => new Set(urls).size)).toEqual([2, 2, 2]);
  const { accessToken } = await signUp('spread');
  for (let i = 0; i < 12; i++) {
    const result = await graphql(
      stack.urls.edge,
      '{ me { id } patients(first: 1) { totalCount } }',
      {},
      bearer(accessToken),
    );
    expect(result.errors).toBeUndefined();
  }
  const graphqlRequests = (child: string) => (requests.get(child) ?? []).filter((entry) => entry.path === '/graphql');
  for (const child of [
    'gateway',
    'gateway 2',
    'users subgraph',
    'users subgraph 2',
    'patients subgraph',
    'patients subgraph 2',
  ])
    expect([child, graphqlRequests(child).length > 0]).toEqual([child, true]);
});

test('sign-in throttling counts the failures every users replica saw', async () => {
  const user = await signUp('throttled');
  const codes: unknown[] = [];
  // One failure per request, alternately on each users replica.
  for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
    const result = await graphql(
      replica('users', attempt % 2),
      LOGIN,
      { input: { email: user.email, password: `wrong guess ${attempt}` } },
      asGateway(),
    );
    codes.push(codeOf(result));
  }
  expect(codes).toEqual(Array(MAX_FAILURES).fill('UNAUTHENTICATED'));
  // Neither replica alone saw the limit; together they did: locked on both.
  for (const index of [0, 1]) {
    const right = await graphql(
      replica('users', index),
      LOGIN,
      { input: { email: user.email, password: user.password } },
      asGateway(),
    );
    expect([index, codeOf(right)]).toEqual([index, 'RATE_LIMITED']);
  }
});

test('a refresh token used on one replica and replayed on the other revokes the whole family', async () => {
  const { refreshToken } = await signUp('reused');
  const rotated = await graphql(replica('users', 0), REFRESH, { t: refreshToken }, asGateway());
  expect(rotated.errors).toBeUndefined();
  const replayed = await graphql(replica('users', 1), REFRESH, { t: refreshToken }, asGateway());
  expect(codeOf(replayed)).toBe('UNAUTHENTICATED');
  // The newest token of the family is void too, wherever it is presented.
  const newest = await graphql(
    replica('users', 0),
    REFRESH,
    { t: rotated.data?.refreshSession.refreshToken },
    asGateway(),
  );
  expect(codeOf(newest)).toBe('UNAUTHENTICATED');
});

test('a deactivation on one users replica reaches every gateway and patients replica within 2 s', async () => {
  const target = await signUp('revoked');
  const admin = await adminToken();
  // Warm: every replica accepts the token first.
  for (const url of stack.urls.replicas.gateway)
    expect((await graphql(url, '{ me { id } }', {}, bearer(target.accessToken))).status).toBe(200);
  const deactivated = await graphql(
    replica('users', 1),
    'mutation ($id: ID!) { deactivateUser(id: $id) { active } }',
    { id: target.user.id },
    asGateway(bearer(admin)),
  );
  expect(deactivated.data?.deactivateUser).toEqual({ active: false });
  const started = Date.now();
  const refusedEverywhere = async () => {
    const answers = await Promise.all([
      ...stack.urls.replicas.gateway.map((url) => graphql(url, '{ me { id } }', {}, bearer(target.accessToken))),
      ...stack.urls.replicas.patients.map((url) =>
        graphql(url, '{ patients(first: 1) { totalCount } }', {}, asGateway(bearer(target.accessToken))),
      ),
    ]);
    return answers.every((answer) => answer.status === 401);
  };
  await eventually(refusedEverywhere, 5_000);
  expect(Date.now() - started).toBeLessThan(2_000);
});

test('one audit trail: a write through one patients replica and a read through the other are both on it', async () => {
  const admin = await adminToken();
  const created = await graphql(
    replica('patients', 0),
    CREATE,
    { input: { givenName: 'Audited', familyName: 'Twice' } },
    asGateway(bearer(admin)),
  );
  const id = created.data?.createPatient.id as string;
  const read = await graphql(
    replica('patients', 1),
    'query ($id: ID!) { patient(id: $id) { id } }',
    { id },
    asGateway(bearer(admin)),
  );
  expect(read.data?.patient).toEqual({ id });
  const trail = await graphql(
    stack.urls.edge,
    'query ($id: ID!) { auditEvents(filter: { patientId: $id }) { edges { node { action outcome } } } }',
    { id },
    bearer(admin),
  );
  const actions = trail.data?.auditEvents.edges.map((edge: { node: { action: string } }) => edge.node.action);
  expect([...actions].sort()).toEqual(['CREATE', 'READ']);
});

test('optimistic locking holds across replicas: the same version updated on both, exactly one wins', async () => {
  const { accessToken } = await signUp('locking');
  const created = await graphql(
    stack.urls.edge,
    CREATE,
    { input: { givenName: 'Locked', familyName: 'Once' } },
    bearer(accessToken),
  );
  expect(created.errors).toBeUndefined();
  const { id, version } = created.data?.createPatient ?? {};
  const results = await Promise.all(
    [0, 1].map((index) =>
      graphql(
        replica('patients', index),
        UPDATE,
        { id, v: version, input: { familyName: `Winner${'AB'[index]}` } },
        asGateway(bearer(accessToken)),
      ),
    ),
  );
  const outcomes = results.map((result) => (result.errors ? codeOf(result) : 'UPDATED')).sort();
  expect(outcomes).toEqual(['CONFLICT', 'UPDATED']);
  const winner = results.find((result) => !result.errors)?.data?.updatePatient;
  expect(winner.version).toBe(version + 1);
});

test('killing one replica of each service loses no acknowledged write, and the others keep answering', async () => {
  const { accessToken } = await signUp('survivor');
  const acknowledged: string[] = [];
  let failed = 0;
  const writer = async (worker: number) => {
    for (let i = 0; i < 25; i++) {
      const result = await graphql(
        stack.urls.edge,
        CREATE,
        { input: { givenName: 'Kept', familyName: `Survivor${worker}x${i}` } },
        bearer(accessToken),
      ).catch(() => undefined);
      const id = result?.data?.createPatient?.id;
      if (id) acknowledged.push(id);
      else failed++;
    }
  };
  const writing = Promise.all([0, 1, 2].map(writer));
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const name of ['gateway 2', 'users subgraph 2', 'patients subgraph 2'])
    process.kill(stack.pids[name] as number, 'SIGKILL');
  await writing;
  // Most writes went through: a dead replica is skipped at once (a request in flight on it may fail).
  expect(acknowledged.length).toBeGreaterThan(50);
  expect([acknowledged.length, failed]).toEqual([acknowledged.length, expect.any(Number)]);
  expect(failed).toBeLessThanOrEqual(10);
  // Every acknowledged one is in PostgreSQL.
  const client = new pg.Client({ connectionString: testStack.database.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT count(*)::int AS kept FROM patients.patient WHERE id = ANY($1::uuid[])',
      [acknowledged],
    );
    expect(rows[0].kept).toBe(acknowledged.length);
  } finally {
    await client.end();
  }
  // And afterwards every request is answered by the surviving replicas.
  for (let i = 0; i < 6; i++) {
    const result = await graphql(
      stack.urls.edge,
      '{ me { id } patients(first: 1) { totalCount } }',
      {},
      bearer(accessToken),
    );
    expect([i, result.status, result.errors]).toEqual([i, 200, undefined]);
  }
}, 60_000);
