// @ts-nocheck
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { type JWTVerifyGetKey, SignJWT } from 'jose';
import {
  bearerToken,
  createAccessTokenVerifier,
  createRemoteAccessTokenVerifier,
  DEFAULT_TOKEN_AUDIENCE,
  createRevocationCache,
  DEFAULT_TOKEN_ISSUER,
  REVOCATION_STREAM_TYPE,
  SUBGRAPH_SECRET_HEADER,
} from '../src/auth/index.js';
import { createTestTokenIssuer, type TestTokenIssuer } from '../src/testing/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const USER = '3f0c9b8e-2d7a-4c1e-9b6f-1a2b3c4d5e6f';
const UNAUTHENTICATED = {
  message: 'Invalid or expired access token',
  extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
};
const MALFORMED = { message: 'Malformed Authorization header', extensions: UNAUTHENTICATED.extensions };

/** A token with exactly these claims and header values, written out here rather than taken from the signer's constants. */
async function tokenWith(issuer: TestTokenIssuer, claims: Record<string, unknown>, typ = 'at+jwt') {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: USER, iss: 'healthsync-users', aud: 'healthsync-api', iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ, kid: issuer.signingKey.kid })
    .sign(issuer.signingKey.privateKey);
}

/** What `run` threw (undefined when it did not). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A verifier over `issuer`'s keys that counts signature checks (one key lookup each). */
function countingVerifier(issuer: TestTokenIssuer, cacheSize?: number) {
  const lookups = { count: 0 };
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups.count++;
    return issuer.keys(header, token);
  };
  const verify = createAccessTokenVerifier({
    keys,
    issuer: DEFAULT_TOKEN_ISSUER,
    audience: DEFAULT_TOKEN_AUDIENCE,
    revocations: false,
    cacheSize,
  });
  return { verify, lookups };
}

describe('bearerToken', () => {
  test('no header, or an empty one, is anonymity', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
  });

  test('takes the token of a bearer header, whatever the scheme case and the whitespace around it', () => {
    expect(bearerToken('Bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
    expect(bearerToken('bearer abc.def')).toBe('abc.def');
    expect(bearerToken('  Bearer abc.def \t')).toBe('abc.def');
  });

  test.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a prefix before the scheme', 'X Bearer abc.def'],
    ['junk after the token', 'Bearer abc.def junk'],
    ['two spaces after the scheme', 'Bearer  abc.def'],
    ['no token', 'Bearer '],
    ['only whitespace', '   '],
    ['a character no token has', 'Bearer abc,def'],
    ['padding inside the token', 'Bearer ab=c'],
  ])('%s is an authentication failure, not anonymity', (_, header) => {
    expect(thrown(() => bearerToken(header))).toMatchObject(MALFORMED);
  });
});

describe('createAccessTokenVerifier claims', () => {
  test('accepts exactly type at+jwt from issuer healthsync-users for audience healthsync-api', async () => {
    const issuer = await createTestTokenIssuer();
    await expect(issuer.verifier(await tokenWith(issuer, { role: 'VIEWER' }))).resolves.toEqual({
      userId: USER,
      role: 'VIEWER',
    });
    await expect(issuer.verifier(await tokenWith(issuer, { role: 'VIEWER' }, 'application/at+jwt'))).resolves.toEqual({
      userId: USER,
      role: 'VIEWER',
    });
    for (const token of [
      await tokenWith(issuer, { role: 'VIEWER' }, 'JWT'),
      await tokenWith(issuer, { role: 'VIEWER', iss: 'healthsync' }),
      await tokenWith(issuer, { role: 'VIEWER', aud: 'healthsync' }),
    ])
      await expect(issuer.verifier(token)).rejects.toMatchObject(UNAUTHENTICATED);
  });

  test('each role is granted as claimed; an unknown role is refused', async () => {
    const issuer = await createTestTokenIssuer();
    for (const role of ['ADMIN', 'CLINICIAN', 'VIEWER'])
      await expect(issuer.verifier(await tokenWith(issuer, { role }))).resolves.toEqual({ userId: USER, role });
    for (const role of ['SUPERUSER', 'admin', '', null, ['ADMIN'], 1])
      await expect(issuer.verifier(await tokenWith(issuer, { role }))).rejects.toMatchObject(UNAUTHENTICATED);
  });

  test('no role only for an account that is PENDING; no role otherwise is refused', async () => {
    const issuer = await createTestTokenIssuer();
    await expect(issuer.verifier(await tokenWith(issuer, { state: 'PENDING' }))).resolves.toEqual({
      userId: USER,
      role: null,
    });
    for (const claims of [{}, { state: 'ACTIVE' }, { state: 'pending' }, { state: 'PENDING', role: 'NONE' }])
      await expect(issuer.verifier(await tokenWith(issuer, claims))).rejects.toMatchObject(UNAUTHENTICATED);
  });

  test('a token without a subject, an expiry or an issue time is refused', async () => {
    const issuer = await createTestTokenIssuer();
    for (const claims of [{ sub: undefined }, { sub: 42 }, { exp: undefined }, { iat: undefined }])
      await expect(issuer.verifier(await tokenWith(issuer, { role: 'ADMIN', ...claims }))).rejects.toMatchObject(
        UNAUTHENTICATED,
      );
  });
});

describe('revocation cut-off', () => {
  test('a token issued in the second of its cut-off or later is accepted; one issued before it is refused', async () => {
    const issuer = await createTestTokenIssuer();
    const token = await tokenWith(issuer, { role: 'VIEWER' });
    const iat = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).iat as number;
    const verifierWith = (notBefore: number) =>
      createAccessTokenVerifier({
        keys: issuer.keys,
        issuer: DEFAULT_TOKEN_ISSUER,
        audience: DEFAULT_TOKEN_AUDIENCE,
        revocations: createRevocationCache(async () => ({ notBefore: { [USER]: notBefore } })),
      });
    await expect(verifierWith(iat - 1)(token)).resolves.toEqual({ userId: USER, role: 'VIEWER' });
    await expect(verifierWith(iat)(token)).resolves.toEqual({ userId: USER, role: 'VIEWER' });
    await expect(verifierWith(iat + 1)(token)).rejects.toMatchObject(UNAUTHENTICATED);
  });
});

describe('verified-token cache', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test('a remembered token is checked again after a minute, long before it expires', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    const issuer = await createTestTokenIssuer();
    const { verify, lookups } = countingVerifier(issuer);
    const token = await tokenWith(issuer, { role: 'ADMIN' });
    const start = Date.now();
    await verify(token);
    jest.setSystemTime(start + 59_999);
    await verify(token);
    expect(lookups.count).toBe(1);
    jest.setSystemTime(start + 60_000);
    await verify(token);
    expect(lookups.count).toBe(2);
  });

  test('holds at most cacheSize tokens, the oldest going first', async () => {
    const issuer = await createTestTokenIssuer();
    const { verify, lookups } = countingVerifier(issuer, 3);
    const tokens = await Promise.all([0, 1, 2, 3].map((jti) => tokenWith(issuer, { role: 'VIEWER', jti })));
    for (const token of tokens) await verify(token);
    expect(lookups.count).toBe(4);
    await verify(tokens[1]); // still remembered
    expect(lookups.count).toBe(4);
    await verify(tokens[0]); // pushed out by the fourth
    expect(lookups.count).toBe(5);
  });
});

describe('createRemoteAccessTokenVerifier', () => {
  test('verifies with the keys of the JWKS URL and the revocation list beside it, sending the subgraph secret', async () => {
    const issuer = await createTestTokenIssuer();
    const now = Math.floor(Date.now() / 1000);
    const revoked = randomUUID();
    const seen: string[] = [];
    let streamOpened!: () => void;
    const opened = new Promise<void>((resolve) => {
      streamOpened = resolve;
    });
    let streamClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      streamClosed = resolve;
    });
    const server = http.createServer((req, res) => {
      const streaming = req.headers.accept?.includes(REVOCATION_STREAM_TYPE);
      seen.push(`${req.url}${streaming ? ' (stream)' : ''} ${req.headers[SUBGRAPH_SECRET_HEADER] ?? ''}`);
      res.setHeader('content-type', 'application/json');
      if (streaming) {
        // Held open without an answer: only the client's close ends it.
        req.on('close', streamClosed);
        streamOpened();
      } else if (req.url === '/.well-known/jwks.json') res.end(JSON.stringify(issuer.jwks));
      else if (req.url === '/internal/revocations') res.end(JSON.stringify({ notBefore: { [revoked]: now + 60 } }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const remote = createRemoteAccessTokenVerifier({
      jwksUrl: `${base}/.well-known/jwks.json`,
      issuer: DEFAULT_TOKEN_ISSUER,
      audience: DEFAULT_TOKEN_AUDIENCE,
      subgraphSecret: 'a subgraph secret',
    });
    try {
      await expect(remote.verify(await tokenWith(issuer, { role: 'CLINICIAN' }))).resolves.toEqual({
        userId: USER,
        role: 'CLINICIAN',
      });
      await expect(remote.verify(await tokenWith(issuer, { role: 'CLINICIAN', sub: revoked }))).rejects.toMatchObject(
        UNAUTHENTICATED,
      );
      expect(seen).toContain('/internal/revocations a subgraph secret');
      // Two tokens, one key set fetch: the keys are remembered for minutes.
      expect(seen.filter((line) => line.startsWith('/.well-known/jwks.json'))).toHaveLength(1);
      await opened;
      remote.close();
      await expect(Promise.race([closed.then(() => 'closed'), sleep(2_000).then(() => 'still open')])).resolves.toBe(
        'closed',
      );
    } finally {
      remote.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
