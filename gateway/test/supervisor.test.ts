/**
 * The launcher as a supervisor, on a stack of its own (embedded PostgreSQL, so the database can be
 * killed too): a process that dies is restarted with a log line while the gateway answers what it
 * can; one that keeps crashing stops the stack with one line; a stop cancels pending restarts.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadStackConfig } from '../src/environment.js';
import { type ManagedChild, spawnChild, supervise } from '../src/stack/processes.js';
import { type RunningStack, startStack } from '../src/stack/stack.js';
import { graphql, testStackOptions } from './edge.js';

const { REQUIRE_NGINX } = loadStackConfig(process.env);
const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-supervisor-'));
chmodSync(folder, 0o755); // the cluster runs as `postgres` when we are root
const lines: string[] = [];
let stack: RunningStack;
let auth: Record<string, string>;
let patientId: string;
const email = 'supervised@example.org';

beforeAll(async () => {
  stack = await startStack(
    testStackOptions({ dataDir: folder, requireNginx: REQUIRE_NGINX, log: (line) => lines.push(line) }),
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
