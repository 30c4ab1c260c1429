/**
 * Faults under a running stack of this file's own (embedded PostgreSQL, so the database can be
 * killed or frozen too, without touching the run's shared server):
 * - the launcher as a supervisor: a process that dies is restarted with a log line while the
 *   gateway answers what it can; one that keeps crashing stops the stack with one line; a stop
 *   cancels pending restarts;
 * - hangs (SIGSTOP, then SIGCONT): a frozen database is SERVICE_UNAVAILABLE within seconds and
 *   readiness 503, a frozen subgraph costs its fields only after SUBGRAPH_TIMEOUT_SECONDS; both
 *   recover without a restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadStackConfig } from '../src/environment.js';
import { type ManagedChild, spawnChild, supervise } from '../src/stack/processes.js';
import { type RunningStack, startStack } from '../src/stack/stack.js';
import { graphql, testStackOptions } from '../src/stack/test-stack.js';

const { REQUIRE_NGINX } = loadStackConfig(process.env);
const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-supervisor-'));
chmodSync(folder, 0o755); // the cluster runs as `postgres` when we are root
const lines: string[] = [];
let stack: RunningStack;
let auth: Record<string, string>;
let patientId: string;
const email = 'supervised@example.org';
const SUBGRAPH_TIMEOUT_SECONDS = 2;

beforeAll(async () => {
  stack = await startStack(
    testStackOptions({
      dataDir: folder,
      requireNginx: REQUIRE_NGINX,
      log: (line) => lines.push(line),
      env: { SUBGRAPH_TIMEOUT_SECONDS: String(SUBGRAPH_TIMEOUT_SECONDS) },
    }),
  );
  const signUp = await graphql(
    stack.urls.edge,
    'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
    { input: { email, password: 'a long and supervised passphrase', name: 'Supervised' } },
  );
  auth = { authorization: `Bearer ${signUp.data?.signUp.accessToken}` };
  const created = await graphql(
    stack.urls.edge,
    'mutation { createPatient(input: { givenName: "Kept", familyName: "Alive" }) { id } }',
    {},
    auth,
  );
  patientId = created.data?.createPatient.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(folder, { recursive: true, force: true });
}, 60_000);

/** Polls `probe` until it holds (every 200 ms, at most `ms`). */
async function eventually(probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(200);
  }
}

const MIXED = 'query Mixed($id: ID!) { me { email } patient(id: $id) { id } }';

test('the patients subgraph killed: partial answers meanwhile, restarted with a log line, answering again', async () => {
  const before = stack.pids['patients subgraph'] as number;
  process.kill(before, 'SIGKILL');
  // Dead, and not yet back: the restart waits 0.5 s, then the service boots.
  await eventually(async () => lines.some((line) => line.startsWith('patients subgraph stopped unexpectedly')));

  const partial = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
  const list = await graphql(stack.urls.edge, '{ me { email } patients { totalCount } }', {}, auth);
  expect([partial.status, partial.data]).toEqual([200, { me: { email }, patient: null }]);
  expect(partial.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  // patients is non-null: the whole data goes null (GraphQL's rule), with the same reason first.
  expect(list.errors?.[0]).toMatchObject({
    message: 'The patients service is unavailable; retry shortly',
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
  for (const answer of [partial, list])
    expect(answer.text).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\b|ECONNREFUSED/);

  await eventually(async () => {
    const again = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    return again.data?.patient?.id === patientId;
  });
  expect(stack.pids['patients subgraph']).not.toBe(before);
  expect(lines).toContainEqual(
    expect.stringMatching(/^patients subgraph stopped unexpectedly \(killed by SIGKILL\); restarting it in 0\.5 s$/),
  );
  expect(lines).toContainEqual(expect.stringMatching(/^patients subgraph restarted \(pid \d+\)$/));
}, 60_000);

test('the embedded PostgreSQL killed: SERVICE_UNAVAILABLE meanwhile, restarted, everything answers again', async () => {
  const before = stack.pids['embedded PostgreSQL'] as number;
  process.kill(before, 'SIGKILL');
  await eventually(async () => lines.some((line) => line.startsWith('embedded PostgreSQL stopped unexpectedly')));
  const during = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
  expect(during.status).toBe(200);
  expect(during.text).not.toMatch(/127\.0\.0\.1|:\d{4,5}\b|SELECT|postgres/i);
  await eventually(async () => {
    const again = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    return again.data?.patient?.id === patientId && again.data?.me?.email === email;
  }, 45_000);
  expect(stack.pids['embedded PostgreSQL']).not.toBe(before);
  expect(lines).toContainEqual(expect.stringMatching(/^embedded PostgreSQL stopped unexpectedly/));
}, 60_000);

/** `pid` and every process below it (a postmaster's backends), from /proc. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // The fourth field of /proc/<pid>/stat, after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++)
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  return tree;
}

/** Runs `during` with the processes frozen (SIGSTOP), then thaws them (SIGCONT) whatever happens. */
async function frozen<T>(pids: number[], during: () => Promise<T>): Promise<T> {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    return await during();
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
}

test('a frozen database: SERVICE_UNAVAILABLE within seconds, readiness 503; thawed: answers again, no restart', async () => {
  const patients = stack.urls.subgraphs.patients;
  const postmaster = stack.pids['embedded PostgreSQL'] as number;
  const servicePids = { ...stack.pids };
  await frozen(processTree(postmaster), async () => {
    // The subgraph's own answer (the gateway, with its 2 s SUBGRAPH_TIMEOUT_SECONDS here, would give up first).
    const started = performance.now();
    const direct = await graphql(patients, 'query($id: ID!) { patient(id: $id) { id } }', { id: patientId }, auth);
    // Two bounded waits: the read's (the driver's 6 s query timeout), then the FAILED audit row's
    // own attempt (the pool's 3 s acquire, or a new connection's 5 s), which must be tried: a
    // response is never sent with its audit rows silently dropped.
    expect(performance.now() - started).toBeLessThan(12_500);
    expect(direct.errors).toEqual([
      expect.objectContaining({
        message: 'The database is not answering; retry shortly',
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      }),
    ]);
    const during = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    expect(during.status).toBe(200);
    expect(during.errors?.map((error) => error.extensions?.code)).toContain('SERVICE_UNAVAILABLE');
    expect(during.errors?.map((error) => error.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
    for (const answer of [direct, during])
      expect(answer.text).not.toMatch(/127\.0\.0\.1|:\d{4,5}\b|SELECT|postgres|timeout/i);
    const ready = await fetch(new URL('/health/ready', patients), { signal: AbortSignal.timeout(5_000) });
    expect([ready.status, ((await ready.json()) as { dependencies: unknown }).dependencies]).toEqual([
      503,
      { database: 'down' },
    ]);
  });
  await eventually(async () => {
    const again = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    return again.data?.patient?.id === patientId && again.data?.me?.email === email;
  });
  expect(stack.pids).toEqual(servicePids);
}, 60_000);

test('a frozen subgraph: the gateway gives up on it after SUBGRAPH_TIMEOUT_SECONDS and answers the rest', async () => {
  const subgraph = stack.pids['patients subgraph'] as number;
  await frozen([subgraph], async () => {
    const started = performance.now();
    const during = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(SUBGRAPH_TIMEOUT_SECONDS - 0.1);
    expect(seconds).toBeLessThan(SUBGRAPH_TIMEOUT_SECONDS + 3);
    expect([during.status, during.data]).toEqual([200, { me: { email }, patient: null }]);
    expect(during.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });
  await eventually(async () => {
    const again = await graphql(stack.urls.edge, MIXED, { id: patientId }, auth);
    return again.data?.patient?.id === patientId;
  });
  expect(stack.pids['patients subgraph']).toBe(subgraph);
}, 60_000);

describe('the restart policy', () => {
  const children: ManagedChild[] = [];
  afterAll(async () => {
    await Promise.all(children.map((child) => child.stop('SIGKILL')));
  });
  const crasher = (name: string) => {
    const child = spawnChild({
      name,
      command: process.execPath,
      args: ['-e', 'console.error("about to fail: no such file"); setTimeout(() => process.exit(3), 20)'],
      cwd: os.tmpdir(),
      env: {},
      output: 'quiet',
    });
    children.push(child);
    return child;
  };

  test('a process that keeps crashing gives up with one line naming it and its last lines', async () => {
    const log: string[] = [];
    const why = await new Promise<string>((giveUp) =>
      supervise({
        name: 'crasher',
        first: crasher('crasher'),
        restart: async () => crasher('crasher'),
        log: (line) => log.push(line),
        giveUp,
        policy: { maxExits: 5, windowMs: 60_000, firstDelayMs: 10 },
      }),
    );
    expect(why).toBe(
      'crasher keeps crashing (5 exits within 60 s, the last: exit code 3); its last lines:\nabout to fail: no such file',
    );
    // Four restarts, with a doubling backoff.
    expect(log.filter((line) => line.includes('restarting it in'))).toEqual([
      'crasher stopped unexpectedly (exit code 3); restarting it in 0.01 s',
      'crasher stopped unexpectedly (exit code 3); restarting it in 0.02 s',
      'crasher stopped unexpectedly (exit code 3); restarting it in 0.04 s',
      'crasher stopped unexpectedly (exit code 3); restarting it in 0.08 s',
    ]);
  });

  test('a stop while a restart is pending cancels it', async () => {
    let restarts = 0;
    const supervisor = supervise({
      name: 'crasher',
      first: crasher('crasher'),
      restart: async () => {
        restarts++;
        return crasher('crasher');
      },
      log: () => {},
      giveUp: () => {},
      policy: { maxExits: 5, windowMs: 60_000, firstDelayMs: 300 },
    });
    await supervisor.current().exited;
    await supervisor.stop();
    await sleep(500);
    expect(restarts).toBe(0);
  });
});
