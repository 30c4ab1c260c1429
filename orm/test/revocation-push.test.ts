/**
 * The verifier's side of the revocation push (orm/src/auth/revocations.ts): a stream's cut-offs
 * apply without a reload; while the stream is down the copy is reloaded before answering once it
 * is over a second old; a line that cannot be read ends the stream (never skipped silently).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRemoteRevocations,
  REVOCATION_STREAM_TYPE,
  type RevocationList,
  type RevocationMessage,
  type RevocationPush,
  revocationStream,
  SUBGRAPH_SECRET_HEADER,
} from '../src/auth/index.js';

const USER = '0b8f2f0e-3f57-4a43-a7c8-5b1c2b7f4e21';

/**
 * A stand-in users subgraph: the JSON list, and streams that the test writes to. `answer` decides
 * how the next stream request is answered (a refusal, or the first line instead of the snapshot).
 */
async function startUsersStandIn() {
  const list = { notBefore: {} as Record<string, number> };
  const streams = new Set<http.ServerResponse>();
  const streamRequests: { at: number; secret: string | undefined }[] = [];
  const control = {
    answer: 'snapshot' as
      | 'snapshot'
      | 'refuse'
      | 'json'
      | 'refusedWithSnapshot'
      | 'withCharset'
      | { firstLine: string },
  };
  let loads = 0;
  let streamsOpened = 0;
  const server = http.createServer((req, res) => {
    if (req.headers.accept?.includes(REVOCATION_STREAM_TYPE)) {
      streamRequests.push({ at: Date.now(), secret: req.headers[SUBGRAPH_SECRET_HEADER] as string | undefined });
      const { answer } = control;
      if (answer === 'refuse') {
        res.writeHead(503, { 'content-type': REVOCATION_STREAM_TYPE });
        res.end();
        return;
      }
      if (answer === 'refusedWithSnapshot') {
        // A refusal whose body happens to read like a stream: still a refusal.
        res.writeHead(503, { 'content-type': REVOCATION_STREAM_TYPE });
        res.write(`${JSON.stringify({ type: 'snapshot', notBefore: {} })}\n`);
        return;
      }
      if (answer === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'snapshot', notBefore: {} })}\n`);
        return;
      }
      streamsOpened++;
      res.writeHead(200, {
        'content-type': answer === 'withCharset' ? `${REVOCATION_STREAM_TYPE}; charset=utf-8` : REVOCATION_STREAM_TYPE,
      });
      const first =
        answer === 'snapshot' || answer === 'withCharset'
          ? JSON.stringify({ type: 'snapshot', notBefore: list.notBefore })
          : answer.firstLine;
      res.write(`${first}\n`);
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
    get openStreams() {
      return streams.size;
    },
    streamRequests,
    control,
    send: (line: RevocationMessage | string) => {
      for (const res of streams) res.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
    },
    /** Bytes as they are, without a line end. */
    sendRaw: (text: string) => {
      for (const res of streams) res.write(text);
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

/** A push that writes down what the stream told it. */
function recordingPush() {
  const told: unknown[][] = [];
  const push: RevocationPush = {
    connected: (list?: RevocationList) => told.push(['connected', list]),
    cutoff: (userId, notBefore) => told.push(['cutoff', userId, notBefore]),
    disconnected: () => told.push(['disconnected']),
  };
  return { push, told };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type UsersStandIn = Awaited<ReturnType<typeof startUsersStandIn>>;

/** A users stand-in first answering `answer`, and a stream reading it, for `body`; both stopped after. */
async function withStream(
  answer: UsersStandIn['control']['answer'],
  body: (users: UsersStandIn, told: unknown[][]) => Promise<void>,
): Promise<void> {
  const users = await startUsersStandIn();
  users.control.answer = answer;
  const { push, told } = recordingPush();
  const stop = revocationStream(users.url)(push);
  try {
    await body(users, told);
  } finally {
    stop();
    await users.close();
  }
}

describe('revocationStream', () => {
  test('reads whole lines only, skips blank ones and pings, sends the secret, and ends on a line it cannot read', async () => {
    const users = await startUsersStandIn();
    const { push, told } = recordingPush();
    const stop = revocationStream(users.url, 'the secret')(push);
    try {
      await until(() => told.length === 1);
      expect(told).toEqual([['connected', { notBefore: {} }]]);
      expect(users.streamRequests.map((request) => request.secret)).toEqual(['the secret']);
      users.send('');
      users.send('   ');
      users.send({ type: 'ping' });
      users.sendRaw('{"type":"cutoff","userId":"u1",');
      await sleep(50);
      expect(told).toHaveLength(1);
      users.sendRaw('"notBefore":5}\n{"type":"cutoff","userId":"u2","notBefore":null}\n');
      await until(() => told.length === 3);
      expect(told.slice(1)).toEqual([
        ['cutoff', 'u1', 5],
        ['cutoff', 'u2', null],
      ]);
      expect(users.streamsOpened).toBe(1);
      users.send({ type: 'cutoff', userId: 'u1', notBefore: 1.5 } as never);
      await until(() => told.length === 4);
      expect(told[3]).toEqual(['disconnected']);
      await until(() => told.length === 5); // reconnected: a fresh copy
      expect(told[4]).toEqual(['connected', { notBefore: {} }]);
      expect(users.streamsOpened).toBe(2);
    } finally {
      stop();
      await users.close();
    }
  });

  test.each([
    ['a cut-off', '{"type":"cutoff","userId":"u1","notBefore":5}'],
    ['a ping', '{"type":"ping"}'],
    ['a snapshot of the wrong shape', '{"type":"snapshot","notBefore":{"u1":"soon"}}'],
    ['a snapshot without a list', '{"type":"snapshot","notBefore":null}'],
    ['a message of another type carrying a list', '{"type":"catalogue","notBefore":{}}'],
    ['no JSON', 'snapshot'],
  ])('a stream that opens with %s is never up: nothing is told and it reconnects', (_what, firstLine) =>
    withStream({ firstLine }, async (users, told) => {
      await until(() => users.streamsOpened === 2);
      expect(told).toEqual([]);
      users.control.answer = 'snapshot';
      await until(() => told.length === 1);
      expect(told).toEqual([['connected', { notBefore: {} }]]);
    }),
  );

  test('a stream is an answer of 200 whose type starts with the stream type (parameters allowed); a refusal is not, whatever its body', () =>
    withStream('refusedWithSnapshot', async (users, told) => {
      await until(() => users.streamRequests.length === 2);
      expect(told).toEqual([]);
      users.control.answer = 'withCharset';
      await until(() => told.length === 1);
      expect(told).toEqual([['connected', { notBefore: {} }]]);
    }));

  test('a cut-off whose user id is not a string ends the stream', () =>
    withStream('snapshot', async (users, told) => {
      await until(() => told.length === 1);
      users.send({ type: 'cutoff', userId: 7, notBefore: 5 } as never);
      await until(() => told.length === 2);
      expect(told[1]).toEqual(['disconnected']);
    }));

  test('a refused stream or one of another type is retried after 0.5 s, then 1 s, ...; a stream that was up restarts at 0.5 s', async () => {
    const users = await startUsersStandIn();
    users.control.answer = 'refuse';
    const { push, told } = recordingPush();
    const stop = revocationStream(users.url)(push);
    try {
      await until(() => users.streamRequests.length === 2);
      users.control.answer = 'json';
      await until(() => users.streamRequests.length === 3);
      users.control.answer = 'snapshot';
      await until(() => told.length === 1);
      const gaps = users.streamRequests.slice(1).map((request, i) => request.at - users.streamRequests[i]!.at);
      // 0.5 s, 1 s, 2 s: never sooner (timers do not fire early), nowhere near the 10 s cap.
      expect(gaps.map((gap, i) => gap >= 500 * 2 ** i - 20 && gap < 500 * 2 ** i + 700)).toEqual([true, true, true]);
      expect(told).toEqual([['connected', { notBefore: {} }]]); // nothing about the refusals
      const before = users.streamRequests.length;
      const ended = Date.now();
      users.endStreams();
      await until(() => users.streamRequests.length === before + 1);
      expect(told[1]).toEqual(['disconnected']);
      // Up again resets the wait to 0.5 s (it had reached 4 s).
      expect(users.streamRequests.at(-1)!.at - ended).toBeLessThan(1_500);
    } finally {
      stop();
      await users.close();
    }
  });

  test('stop ends the stream and any retry; an https URL is fetched over TLS', async () => {
    const users = await startUsersStandIn();
    const { push, told } = recordingPush();
    const stop = revocationStream(users.url)(push);
    await until(() => users.openStreams === 1);
    stop();
    await until(() => users.openStreams === 0);
    users.control.answer = 'refuse';
    const refusedStop = revocationStream(users.url)(recordingPush().push);
    await until(() => users.streamRequests.length === 2);
    refusedStop();
    await sleep(800);
    expect(users.streamRequests).toHaveLength(2);
    expect(told).toEqual([['connected', { notBefore: {} }]]);

    // A TLS client against this plain server: a failed handshake, retried, never thrown.
    const tls = recordingPush();
    const stopTls = revocationStream(users.url.replace('http:', 'https:'))(tls.push);
    await sleep(200);
    stopTls();
    expect(tls.told).toEqual([]);
    expect(users.streamRequests).toHaveLength(2);
    await users.close();
  });
});
