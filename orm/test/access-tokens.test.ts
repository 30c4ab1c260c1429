import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import {
  createAccessTokenVerifier,
  createRemoteRevocations,
  createRevocationCache,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  CLIENT_ADDRESS_HEADER,
  PASSWORD_WORK_FULL_HEADER,
  REVOCATION_STREAM_TYPE,
  REVOCATIONS_PATH,
  type RevocationFeed,
  type RevocationList,
  type RevocationPush,
  revocationsUrlFor,
  SUBGRAPH_SECRET_HEADER,
} from '../src/auth/index.js';
import { createTestTokenIssuer, forgedAccessTokens } from '../src/testing/index.js';

const USER = '7d1f6a52-6a3c-4c47-9d55-8e0a4a3b2c10';

describe('revocation cache', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test('a revocation reaches a verifier within a minute, without any call to invalidate', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    let list: RevocationList = { notBefore: {} };
    const load = jest.fn(async () => list);
    const cache = createRevocationCache(load);
    expect(await cache.notBeforeOf(USER)).toBeUndefined();

    list = { notBefore: { [USER]: Math.floor(Date.now() / 1000) + 1 } };
    jest.setSystemTime(Date.now() + 60_001);
    expect(await cache.notBeforeOf(USER)).toBe(list.notBefore[USER]);
  });

  test('loads once for concurrent callers and refreshes in the background while fresh enough', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const load = jest.fn(async () => ({ notBefore: {} }));
    const cache = createRevocationCache(load, { refreshMs: 30_000, maxStaleMs: 60_000 });
    await Promise.all([cache.notBeforeOf(USER), cache.notBeforeOf(USER), cache.notBeforeOf(USER)]);
    expect(load).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() + 10_000);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() + 25_000);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('fails closed: with no list younger than maxStaleMs, it throws', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    let up = true;
    const cache = createRevocationCache(async () => {
      if (!up) throw new Error('users subgraph away');
      return { notBefore: {} };
    });
    await cache.notBeforeOf(USER);
    up = false;
    jest.setSystemTime(Date.now() + 45_000);
    await expect(cache.notBeforeOf(USER)).resolves.toBeUndefined(); // stale but within the minute
    jest.setSystemTime(Date.now() + 20_000);
    await expect(cache.notBeforeOf(USER)).rejects.toThrow('users subgraph away');
  });
});

describe('revocation cache: its clocks, its feed and its lookups', () => {
  const T0 = new Date('2030-01-01T00:00:00Z');
  afterEach(() => {
    jest.useRealTimers();
  });
  const at = (ms: number) => jest.setSystemTime(T0.getTime() + ms);

  /** A feed the test drives by hand: `push` once the cache started it, and whether it was stopped. */
  function manualFeed() {
    const state = { push: undefined as RevocationPush | undefined, starts: 0, stops: 0 };
    const feed: RevocationFeed = (push) => {
      state.push = push;
      state.starts++;
      return () => {
        state.stops++;
      };
    };
    return { feed, state };
  }

  test('reloads at once past maxStaleMs and in the background past refreshMs, not a millisecond earlier', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    let up = true;
    const load = jest.fn(async () => {
      if (!up) throw new Error('away');
      return { notBefore: { [USER]: 5 } };
    });
    const cache = createRevocationCache(load, { refreshMs: 30_000, maxStaleMs: 60_000 });
    expect(await cache.notBeforeOf(USER)).toBe(5);
    at(30_000);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(1);
    at(30_001);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(2); // in the background: the copy was still served
    await new Promise((resolve) => setImmediate(resolve));
    up = false;
    // The copy loaded at 30 001 is exactly maxStaleMs old: still served (a background reload fails).
    at(90_001);
    await expect(cache.notBeforeOf(USER)).resolves.toBe(5);
    await new Promise((resolve) => setImmediate(resolve));
    at(90_002);
    await expect(cache.notBeforeOf(USER)).rejects.toThrow('away');
  });

  test('a user is looked up by own key only, and invalidate drops the copy', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    let list: RevocationList = { notBefore: { [USER]: 5 } };
    const load = jest.fn(async () => list);
    const cache = createRevocationCache(load);
    expect(await cache.notBeforeOf('constructor')).toBeUndefined();
    expect(await cache.notBeforeOf('toString')).toBeUndefined();
    list = { notBefore: { [USER]: 6 } };
    expect(await cache.notBeforeOf(USER)).toBe(5);
    cache.invalidate();
    expect(await cache.notBeforeOf(USER)).toBe(6);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('a feed is started at the first lookup, once, and stopped by close for good', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    const { feed, state } = manualFeed();
    const cache = createRevocationCache(async () => ({ notBefore: {} }), { feed });
    expect(state.starts).toBe(0);
    await cache.notBeforeOf(USER);
    await cache.notBeforeOf(USER);
    expect([state.starts, state.stops]).toEqual([1, 0]);
    cache.close();
    cache.close();
    await cache.notBeforeOf(USER);
    expect([state.starts, state.stops]).toEqual([1, 1]);
    // Without a feed, close is harmless.
    createRevocationCache(async () => ({ notBefore: {} })).close();
  });

  test('pushed: a full copy replaces the list, cut-offs edit it, a bare connect forces a reload', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    const { feed, state } = manualFeed();
    const load = jest.fn(async () => ({ notBefore: { [USER]: 1 } }));
    const cache = createRevocationCache(load, { feed });
    // A cut-off before any copy exists is left to the first load (and does not throw).
    const early = createRevocationCache(load, {
      feed: (push) => {
        push.cutoff(USER, 9);
        return () => {};
      },
    });
    expect(await early.notBeforeOf(USER)).toBe(1);

    expect(await cache.notBeforeOf(USER)).toBe(1);
    state.push!.connected({ notBefore: { [USER]: 2, other: 3 } });
    expect(await cache.notBeforeOf(USER)).toBe(2);
    state.push!.cutoff(USER, 4);
    expect(await cache.notBeforeOf(USER)).toBe(4);
    state.push!.cutoff('other', null);
    expect(await cache.notBeforeOf('other')).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
    // Pushed and fresh: no reload even past a second.
    at(5_000);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(2);
    state.push!.connected();
    expect(await cache.notBeforeOf(USER)).toBe(1);
    expect(load).toHaveBeenCalledTimes(3);
  });

  test('a feed that has not said it is up yet counts as down: the copy is reloaded past unpushedRefreshMs', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    const { feed } = manualFeed();
    const load = jest.fn(async () => ({ notBefore: {} }));
    const cache = createRevocationCache(load, { feed, unpushedRefreshMs: 1_000 });
    await cache.notBeforeOf(USER);
    at(1_001);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('unpushed: a copy over unpushedRefreshMs old is reloaded first, unless the last try has just failed', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] });
    const { feed, state } = manualFeed();
    let up = true;
    let value = 1;
    const load = jest.fn(async () => {
      if (!up) throw new Error('away');
      return { notBefore: { [USER]: value } };
    });
    const cache = createRevocationCache(load, { feed, unpushedRefreshMs: 1_000 });
    expect(await cache.notBeforeOf(USER)).toBe(1);
    state.push!.connected({ notBefore: { [USER]: 1 } }); // loaded at 0, pushed
    state.push!.disconnected();
    value = 2;
    at(1_000);
    expect(await cache.notBeforeOf(USER)).toBe(1); // exactly a second old: served
    at(1_001);
    expect(await cache.notBeforeOf(USER)).toBe(2); // older: reloaded before answering
    expect(load).toHaveBeenCalledTimes(2);

    up = false;
    at(2_002);
    expect(await cache.notBeforeOf(USER)).toBe(2); // the reload failed at 2 002: the copy serves
    expect(load).toHaveBeenCalledTimes(3);
    at(3_002);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(3); // a second after the failure: not yet retried
    at(3_003);
    await cache.notBeforeOf(USER);
    expect(load).toHaveBeenCalledTimes(4);
  });
});

describe('createAccessTokenVerifier against forged tokens', () => {
  test('refuses every forgery, even once the genuine token with the same claims is remembered', async () => {
    const issuer = await createTestTokenIssuer();
    const { genuine, attacks } = await forgedAccessTokens(issuer.signingKey, { userId: USER });
    await expect(issuer.verifier(genuine)).resolves.toEqual({ userId: USER, role: 'ADMIN' });
    const accepted: string[] = [];
    for (const [attack, token] of Object.entries(attacks)) {
      await issuer.verifier(token).then(
        () => accepted.push(attack),
        (error: unknown) =>
          expect([attack, error]).toEqual([
            attack,
            expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }),
          ]),
      );
    }
    expect(accepted).toEqual([]);
  });
});

describe('createAccessTokenVerifier with revocations', () => {
  test('refuses tokens issued before the user cut-off, accepts later ones, and 401s when the list is unknown', async () => {
    const issuer = await createTestTokenIssuer();
    const now = Math.floor(Date.now() / 1000);
    const list: RevocationList = { notBefore: { [USER]: now + 1 } };
    const verify = createAccessTokenVerifier({
      keys: issuer.keys,
      issuer: DEFAULT_TOKEN_ISSUER,
      audience: DEFAULT_TOKEN_AUDIENCE,
      revocations: createRevocationCache(async () => list),
    });
    const old = await issuer.sign({ userId: USER });
    await expect(verify(old)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify(await issuer.sign({ userId: 'someone-else' }))).resolves.toMatchObject({ role: 'CLINICIAN' });

    const cold = createAccessTokenVerifier({
      keys: issuer.keys,
      issuer: DEFAULT_TOKEN_ISSUER,
      audience: DEFAULT_TOKEN_AUDIENCE,
      revocations: createRevocationCache(async () => {
        throw new Error('down');
      }),
    });
    await expect(cold(await issuer.sign({ userId: 'someone-else' }))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('createRemoteRevocations', () => {
  test('sends the subgraph secret and refuses a list of the wrong shape', async () => {
    const seen: (string | undefined)[] = [];
    let body: unknown = { notBefore: { [USER]: 42 } };
    const server = http.createServer((req, res) => {
      seen.push(req.headers[SUBGRAPH_SECRET_HEADER] as string | undefined);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/revocations`;
    try {
      const remote = createRemoteRevocations(url, { subgraphSecret: 'the secret', stream: false });
      expect(await remote.notBeforeOf(USER)).toBe(42);
      expect(seen).toEqual(['the secret']);

      for (const shape of [{ notBefore: { [USER]: 'soon' } }, { notBefore: null }, {}, null, [1]]) {
        body = shape;
        const confused = createRemoteRevocations(url, { stream: false });
        await expect(confused.notBeforeOf(USER)).rejects.toThrow('revocation list: unexpected shape');
      }
      expect(seen.at(-1)).toBeUndefined(); // no secret, no header
    } finally {
      server.close();
    }
  });

  test('an answer other than 2xx is an error naming its status', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 503;
      res.end(JSON.stringify({ notBefore: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/revocations`;
    try {
      await expect(createRemoteRevocations(url, { stream: false }).notBeforeOf(USER)).rejects.toThrow(
        'revocation list: HTTP 503',
      );
    } finally {
      server.close();
    }
  });

  test('the names other services rely on, by value', () => {
    expect(REVOCATIONS_PATH).toBe('/internal/revocations');
    expect(REVOCATION_STREAM_TYPE).toBe('application/x-ndjson');
    expect(SUBGRAPH_SECRET_HEADER).toBe('x-healthsync-subgraph-secret');
    expect(CLIENT_ADDRESS_HEADER).toBe('x-healthsync-client-address');
    expect(PASSWORD_WORK_FULL_HEADER).toBe('x-healthsync-password-work-full-ms');
    expect(revocationsUrlFor('http://users:4001/.well-known/jwks.json')).toBe('http://users:4001/internal/revocations');
  });
});
