import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { createTestDatabase, forgedAccessTokens, type TestDatabase, temporaryFolder } from '@healthsync/orm/testing';
import { loadSigningKeys, rotateDevelopmentKeys } from '../src/keys.js';
import { createUsersServices } from '../src/server.js';
import { User } from '../src/entities.js';
import { cutOffAccessTokens, signAccessToken } from '../src/tokens.js';
import { createUsersHarness, startUsersHttp, testUsersConfig, type UsersHarness } from './harness.js';

let database: TestDatabase;
let harness: UsersHarness;
let http: Awaited<ReturnType<typeof startUsersHttp>>;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database);
  // Same keys as the in-process harness: tokens made there are genuine for this server.
  http = await startUsersHttp(database, { KEYS_DIR: harness.config.KEYS_DIR });
});
afterAll(async () => {
  await http?.server.stop();
  await harness?.stop();
  await database?.drop();
});

const ME = '{ me { id role } }';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('access token verification over HTTP', () => {
  test('a genuine token reads its own account', async () => {
    const { user, accessToken } = await harness.createTestUser({ role: 'VIEWER' });
    const { status, body } = await http.post(ME, {}, bearer(accessToken));
    expect(status).toBe(200);
    expect(body.data?.me).toEqual({ id: user.id, role: 'VIEWER' });
  });

  test('every forged token is refused with HTTP 401 UNAUTHENTICATED, and nothing is resolved', async () => {
    const { user } = await harness.createTestUser({ role: 'VIEWER' });
    const { keys } = harness.services;
    const { genuine, attacks } = await forgedAccessTokens(
      { privateKey: keys.privateKey, publicJwk: keys.jwks.keys[0] as never, kid: keys.kid },
      { userId: user.id, role: 'VIEWER' },
    );
    const control = await http.post(ME, {}, bearer(genuine));
    expect(control.body.data?.me).toEqual({ id: user.id, role: 'VIEWER' });
    expect(Object.keys(attacks)).toEqual(
      expect.arrayContaining([
        'alg none',
        'HS256 signed with the public key',
        'expired',
        'not yet valid',
        'wrong issuer',
        'wrong audience',
        'tampered payload',
        'unknown kid',
      ]),
    );
    for (const [attack, token] of Object.entries(attacks)) {
      const { status, body } = await http.post(ME, {}, bearer(token));
      expect({ attack, status, code: body.errors?.[0]?.extensions?.code, data: body.data ?? null }).toEqual({
        attack,
        status: 401,
        code: 'UNAUTHENTICATED',
        data: null,
      });
    }
  });

  test('a refresh token used as an access token is refused with 401', async () => {
    const { refreshToken } = await harness.createTestUser();
    const { status, body } = await http.post(ME, {}, bearer(refreshToken));
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('an Authorization header that is not a bearer token is refused, not treated as anonymous', async () => {
    const { status } = await http.post(ME, {}, { authorization: 'Basic YWRtaW46YWRtaW4=' });
    expect(status).toBe(401);
  });

  test('the JWKS serves public keys only', async () => {
    const jwks = (await (await fetch(`${http.origin}/.well-known/jwks.json`)).json()) as { keys: object[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('key rotation', () => {
  test('the previous key still verifies; a removed key no longer does', async () => {
    const config = testUsersConfig(database, { KEYS_DIR: temporaryFolder('healthsync-rotate-') });
    const tokenFor = async () => {
      const services = await createUsersServices(config, harness.orm);
      const { user } = await harness.createTestUser();
      return { services, token: await signAccessToken(user, services.keys, config) };
    };
    const first = await tokenFor();
    await rotateDevelopmentKeys(config.KEYS_DIR);
    const second = await tokenFor();
    expect(second.services.keys.jwks.keys.map((key) => key.kid)).toEqual([
      second.services.keys.kid,
      first.services.keys.kid,
    ]);
    await expect(second.services.verifyAccessToken(first.token)).resolves.toBeDefined();

    await rotateDevelopmentKeys(config.KEYS_DIR);
    const third = await loadSigningKeys(config);
    expect(third.jwks.keys.map((key) => key.kid)).toEqual([third.kid, second.services.keys.kid]);
    const { services } = await tokenFor();
    await expect(services.verifyAccessToken(second.token)).resolves.toBeDefined();
    await expect(services.verifyAccessToken(first.token)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('npm run users:rotate-keys', () => {
  test('rotates the development keys in KEYS_DIR', async () => {
    const keysDir = temporaryFolder('healthsync-rotate-cli-');
    const config = testUsersConfig(database, { KEYS_DIR: keysDir });
    const before = await loadSigningKeys(config);
    const cli = fileURLToPath(new URL('../src/cli/rotate-keys.ts', import.meta.url));
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', cli],
        { env: { PATH: process.env.PATH, KEYS_DIR: keysDir } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const after = await loadSigningKeys(config);
    expect(output).toContain(`new kid ${after.kid}, previous ${before.kid}`);
    expect(after.jwks.keys.map((key) => key.kid)).toEqual([after.kid, before.kid]);
  });
});

describe('SUBGRAPH_SECRET', () => {
  const secret = 'a-subgraph-secret-of-at-least-32-characters';
  let guarded: Awaited<ReturnType<typeof startUsersHttp>>;
  beforeAll(async () => {
    guarded = await startUsersHttp(database, { SUBGRAPH_SECRET: secret });
  });
  afterAll(() => guarded?.server.stop());

  test('GraphQL and the revocation list refuse requests without the secret', async () => {
    expect((await guarded.post(ME)).status).toBe(401);
    expect((await guarded.post(ME, {}, { [SUBGRAPH_SECRET_HEADER]: `${secret}x` })).status).toBe(401);
    expect((await fetch(`${guarded.origin}/internal/revocations`)).status).toBe(401);
  });

  test('with the secret they answer; health and JWKS stay open', async () => {
    const { status, body } = await guarded.post(ME, {}, { [SUBGRAPH_SECRET_HEADER]: secret });
    expect(status).toBe(200);
    expect(body.data?.me).toBeNull();
    const revocations = await fetch(`${guarded.origin}/internal/revocations`, {
      headers: { [SUBGRAPH_SECRET_HEADER]: secret },
    });
    expect(revocations.status).toBe(200);
    expect((await fetch(`${guarded.origin}/.well-known/jwks.json`)).status).toBe(200);
    expect((await fetch(`${guarded.origin}/health/live`)).status).toBe(200);
  });

  test('without SUBGRAPH_SECRET the subgraph is open to a bearer token (dev Sandbox)', async () => {
    expect((await http.post(ME)).status).toBe(200);
  });
});

describe('cut-offs', () => {
  test('a token issued after a cut-off is voided by a second cut-off within the same second', async () => {
    const { user } = await harness.createTestUser();
    const em = harness.orm.em.fork();
    const account = await em.findOneOrFail(User, { id: user.id });
    cutOffAccessTokens(account); // e.g. approval
    await em.flush();
    // Signed after the first cut-off: its iat is past that cut-off's second.
    const between = await signAccessToken(account, harness.services.keys, harness.config);
    harness.services.revocations.invalidate();
    await expect(harness.services.verifyAccessToken(between)).resolves.toMatchObject({ userId: user.id });
    cutOffAccessTokens(account); // e.g. a role change a moment later
    await em.flush();
    harness.services.revocations.invalidate();
    await expect(harness.services.verifyAccessToken(between)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    // And what is signed after the second cut-off verifies.
    const after = await signAccessToken(account, harness.services.keys, harness.config);
    await expect(harness.services.verifyAccessToken(after)).resolves.toMatchObject({ userId: user.id });
  });
});
