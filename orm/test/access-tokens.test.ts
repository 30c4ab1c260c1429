import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import {
  createAccessTokenVerifier,
  createRemoteRevocations,
  createRevocationCache,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  type RevocationList,
  SUBGRAPH_SECRET_HEADER,
} from '../src/index.js';
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

      body = { notBefore: { [USER]: 'soon' } };
      const confused = createRemoteRevocations(url, { stream: false });
      await expect(confused.notBeforeOf(USER)).rejects.toThrow(/unexpected shape/);
    } finally {
      server.close();
    }
  });
});
