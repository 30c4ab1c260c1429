/**
 * The verifier's side of the revocation push (orm/src/auth/revocations.ts): a stream's cut-offs
 * apply without a reload; while the stream is down the copy is reloaded before answering once it
 * is over a second old; a line that cannot be read ends the stream (never skipped silently).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteRevocations, REVOCATION_STREAM_TYPE, type RevocationMessage } from '../src/index.js';

const USER = '0b8f2f0e-3f57-4a43-a7c8-5b1c2b7f4e21';

/** A stand-in users subgraph: the JSON list, and streams that the test writes to. */
async function startUsersStandIn() {
  const list = { notBefore: {} as Record<string, number> };
  const streams = new Set<http.ServerResponse>();
  let loads = 0;
  let streamsOpened = 0;
  const server = http.createServer((req, res) => {
    if (req.headers.accept?.includes(REVOCATION_STREAM_TYPE)) {
      streamsOpened++;
      res.writeHead(200, { 'content-type': REVOCATION_STREAM_TYPE });
      res.write(`${JSON.stringify({ type: 'snapshot', notBefore: list.notBefore })}\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    loads++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(list));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/revocations`;
  return {
    url,
    list,
    get loads() {
      return loads;
    },
    get streamsOpened() {
      return streamsOpened;
    },
    send: (line: RevocationMessage | string) => {
      for (const res of streams) res.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
    },
    endStreams: () => {
      for (const res of streams) res.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const until = async (condition: () => boolean | Promise<boolean>) => {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > 5_000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('a pushed cut-off applies at once, without a reload; the poll stays the backstop', async () => {
  const users = await startUsersStandIn();
  const revocations = createRemoteRevocations(users.url);
  try {
    expect(await revocations.notBeforeOf(USER)).toBeUndefined();
    await until(() => users.streamsOpened === 1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the snapshot arrives
    const loads = users.loads;
    users.send({ type: 'cutoff', userId: USER, notBefore: 1234 });
    await until(async () => (await revocations.notBeforeOf(USER)) === 1234);
    users.send({ type: 'cutoff', userId: USER, notBefore: null });
    await until(async () => (await revocations.notBeforeOf(USER)) === undefined);
    expect(users.loads).toBe(loads);
  } finally {
    revocations.close();
    await users.close();
  }
});

test('while the stream is down, a copy over a second old is reloaded before answering', async () => {
  const users = await startUsersStandIn();
  const revocations = createRemoteRevocations(users.url);
  try {
    await revocations.notBeforeOf(USER);
    await until(() => users.streamsOpened === 1);
    users.endStreams();
    // The list changes while nobody is told: without the stream, the next answers must reload.
    users.list.notBefore[USER] = 99;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await revocations.notBeforeOf(USER)).toBe(99);
  } finally {
    revocations.close();
    await users.close();
  }
});

test('a line the verifier cannot read ends the stream; it reconnects and starts from a fresh copy', async () => {
  const users = await startUsersStandIn();
  const revocations = createRemoteRevocations(users.url);
  try {
    await revocations.notBeforeOf(USER);
    await until(() => users.streamsOpened === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    users.list.notBefore[USER] = 7;
    users.send('{"type":"cutoff","userId":42}');
    await until(() => users.streamsOpened === 2);
    await until(async () => (await revocations.notBeforeOf(USER)) === 7);
  } finally {
    revocations.close();
    await users.close();
  }
});
