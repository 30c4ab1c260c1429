/**
 * The users subgraph's side of the revocation push (src/revocations.ts), on a real database
 * channel and real HTTP: the list as JSON, the stream (a full copy, then each cut-off as it
 * commits, pings), its own copy kept current, and what happens when the channel is lost or the
 * service stops.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLogger } from '@healthsync/orm';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createRevocationHub, type RevocationHub } from '../src/revocations.js';
import { initUsersOrm } from '../src/server.js';
import { createUsersHarness, type UsersHarness } from './harness.js';

let database: TestDatabase;
let harness: UsersHarness;
let orm: MikroORM;
let hub: RevocationHub;
let server: http.Server;
let url: string;
const logged: string[] = [];
/** Every statement of the hub's own ORM: how often its copy of the list is loaded. */
const hubQueries: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database);
  orm = await initUsersOrm(harness.config, (sql) => hubQueries.push(sql));
  const logger = createLogger('users', 'warn', { write: (line: string) => logged.push(line) });
  hub = createRevocationHub(orm, harness.config, logger, { listen: true });
  const app = express();
  app.get('/internal/revocations', (req, res) => hub.serve(req, res));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/revocations`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await hub.close();
  await orm.close();
  await harness.stop();
  await database.drop();
});

const until = async (condition: () => boolean | Promise<boolean>, withinMs = 5_000) => {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every line so far, parsed. */
  lines: Record<string, unknown>[];
  body: string;
  ended: boolean;
  close(): void;
}

function openStream(): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'application/x-ndjson' } }, (response) => {
      const stream: OpenStream = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        lines: [],
        body: '',
        ended: false,
        close: () => request.destroy(),
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        stream.body += chunk;
        if (stream.status === 200)
          stream.lines = stream.body
            .split('\n')
            .filter((line) => line.endsWith('}'))
            .map((line) => JSON.parse(line));
      });
      response.on('end', () => {
        stream.ended = true;
      });
      response.on('close', () => {
        stream.ended = true;
      });
      resolve(stream);
    });
    request.on('error', reject);
  });
}

/** A stream once the channel is up (until then the hub answers 503). */
async function openStreamWhenUp(): Promise<OpenStream> {
  let stream: OpenStream | undefined;
  await until(async () => {
    stream = await openStream();
    if (stream.status === 200) return true;
    stream.close();
    return false;
  });
  return stream!;
}

const cutOff = (userId: string, state = 'ACTIVE') =>
  harness.adminQuery('UPDATE users.account SET tokens_valid_after = clock_timestamp(), state = $2 WHERE id = $1', [
    userId,
    state,
  ]);

test('the list as JSON, never cached', async () => {
  const { user } = await harness.createTestUser();
  await cutOff(user.id);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const list = (await response.json()) as { notBefore: Record<string, number> };
  expect(list.notBefore[user.id]).toEqual(expect.any(Number));
});

test('a stream: a full copy first, then each cut-off as it commits; the hub’s own copy follows without a reload', async () => {
  const stream = await openStreamWhenUp();
  try {
    expect(stream.headers['content-type']).toBe('application/x-ndjson');
    expect(stream.headers['cache-control']).toBe('no-store');
    await until(() => stream.lines.length > 0);
    expect(stream.lines[0]).toEqual({ type: 'snapshot', notBefore: expect.any(Object) });

    const { user } = await harness.createTestUser();
    expect(await hub.revocations.notBeforeOf(user.id)).toBeUndefined();
    await cutOff(user.id);
    await until(() => stream.lines.some((line) => line.userId === user.id));
    const cutoff = stream.lines.find((line) => line.userId === user.id);
    expect(cutoff).toEqual({ type: 'cutoff', userId: user.id, notBefore: expect.any(Number) });
    await until(async () => (await hub.revocations.notBeforeOf(user.id)) === cutoff!.notBefore, 2_000);

    await cutOff(user.id, 'DEACTIVATED');
    await until(() => stream.lines.some((line) => line.notBefore === Number.MAX_SAFE_INTEGER));
    await until(async () => (await hub.revocations.notBeforeOf(user.id)) === Number.MAX_SAFE_INTEGER, 2_000);
  } finally {
    stream.close();
  }
});

test('a stream says it is alive every 5 s', async () => {
  const stream = await openStreamWhenUp();
  try {
    await until(() => stream.lines.some((line) => line.type === 'ping'), 8_000);
    expect(stream.lines.filter((line) => line.type !== 'snapshot')).toEqual([{ type: 'ping' }]);
  } finally {
    stream.close();
  }
}, 15_000);

/** Statements the hub ran while `work` ran. */
async function queriesDuring(work: () => Promise<void>): Promise<string[]> {
  const before = hubQueries.length;
  await work();
  return hubQueries.slice(before);
}

/** Two lookups of the hub's own copy 1.2 s apart: pushed, the second loads nothing; unpushed, it reloads (every second). */
const twoLookups = () =>
  queriesDuring(async () => {
    const { user } = await harness.createTestUser();
    await hub.revocations.notBeforeOf(user.id);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await hub.revocations.notBeforeOf(user.id);
  });

test('while the channel is up, the hub’s own copy is kept by the push, not reloaded', async () => {
  (await openStreamWhenUp()).close();
  hub.revocations.invalidate();
  const loads = (await twoLookups()).filter((sql) => /tokens_valid_after/.test(sql));
  expect(loads).toHaveLength(1);
});

test('a cut-off that cannot be loaded ends every stream, so that subscribers reload, and is logged', async () => {
  const stream = await openStreamWhenUp();
  await until(() => stream.lines.length > 0);
  // A notification naming no account id: loading its cut-off fails.
  await harness.adminQuery("SELECT pg_notify('healthsync_revocations', 'not-a-user-id')");
  await until(() => stream.ended);
  const line = logged.find((entry) => entry.includes('revocation not pushed; streams restarted'));
  expect(JSON.parse(line ?? '{}').err).toEqual(expect.objectContaining({ message: expect.any(String) }));
  (await openStreamWhenUp()).close();
});

test('when the channel is lost, streams end and none is served until LISTEN is back', async () => {
  const stream = await openStreamWhenUp();
  await until(() => stream.lines.length > 0);
  await harness.adminQuery(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = \'LISTEN "healthsync_revocations"\' AND datname = current_database()',
  );
  await until(() => stream.ended);
  expect(
    logged.some((line) => line.includes('revocation channel lost: reconnecting; subscribers poll meanwhile')),
  ).toBe(true);
  const again = await openStreamWhenUp();
  again.close();
  // Back: the hub's own copy is pushed again (reloaded once, then kept).
  const loads = (await twoLookups()).filter((sql) => /tokens_valid_after/.test(sql));
  expect(loads).toHaveLength(1);
});

test('a hub without the channel (an in-process server) serves no stream', async () => {
  const quiet = createRevocationHub(orm, harness.config, createLogger('users', 'silent'), { listen: false });
  const app = express();
  app.get('/internal/revocations', (req, res) => quiet.serve(req, res));
  const other = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => other.once('listening', resolve));
  const status = async () => {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/internal/revocations`, {
      headers: { accept: 'application/x-ndjson' },
      signal: controller.signal,
    });
    controller.abort(); // a stream would never end
    return response.status;
  };
  try {
    // Now, and after a LISTEN would have been in place.
    expect(await status()).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await status()).toBe(503);
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
    await quiet.close();
  }
});

test('a stopping service ends every stream and refuses new ones with 503; the JSON list still answers', async () => {
  const stream = await openStreamWhenUp();
  await until(() => stream.lines.length > 0);
  hub.stopStreaming();
  await until(() => stream.ended);
  const refused = await openStream();
  await until(() => refused.ended);
  expect(refused.status).toBe(503);
  expect(JSON.parse(refused.body)).toEqual({
    errors: [{ message: 'Revocation stream unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
  });
  expect((await fetch(url)).status).toBe(200);
});
