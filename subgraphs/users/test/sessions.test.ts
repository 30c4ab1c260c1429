import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { User } from '../src/entities.js';
import {
  cutOffAccessTokens,
  hashRefreshToken,
  loadCutoff,
  loadRevocationList,
  newRefreshToken,
  signAccessToken,
} from '../src/tokens.js';
import { describeStartupError } from '@healthsync/orm';
import { createUsersHarness, testUsersConfig, type UsersHarness } from './harness.js';

let database: TestDatabase;
let harness: UsersHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database);
});
afterAll(async () => {
  await harness?.stop();
  await database?.drop();
});

const REFRESH = `mutation Refresh($token: String!) {
  refreshSession(refreshToken: $token) { accessToken refreshToken tokenType expiresIn user { id } }
}`;
const LOGOUT = 'mutation Logout($token: String!) { logout(refreshToken: $token) }';
const CHANGE_PASSWORD = `mutation Change($current: String!, $next: String!) {
  changePassword(currentPassword: $current, newPassword: $next)
}`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }';
const ME = '{ me { id } }';

const refresh = (token: string) => harness.execute(REFRESH, { token });
const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;

describe('refreshSession', () => {
  test('rotates: a new refresh token each time, stored only as a hash', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    const first = await refresh(refreshToken);
    expect(first.errors).toBeUndefined();
    const next = first.data?.refreshSession;
    expect(next).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
    expect(next.refreshToken).not.toBe(refreshToken);
    expect((await harness.execute(ME, {}, next.accessToken)).data?.me).toEqual({ id: user.id });

    const stored = await harness.adminQuery('SELECT token_hash FROM users.refresh_session WHERE user_id = $1', [
      user.id,
    ]);
    const hashes = stored.rows.map((row: { token_hash: string }) => row.token_hash);
    expect(hashes).toEqual(
      expect.arrayContaining([hashRefreshToken(refreshToken), hashRefreshToken(next.refreshToken)]),
    );
    expect(hashes).not.toContain(next.refreshToken);

    expect(codeOf(await refresh(next.refreshToken))).toBeUndefined();
  });

  test('reusing a used refresh token revokes the whole family: the newest token fails too', async () => {
    const { refreshToken: stolen } = await harness.createTestUser();
    const rotated = (await refresh(stolen)).data?.refreshSession.refreshToken as string;
    const replay = await refresh(stolen);
    expect(codeOf(replay)).toBe('UNAUTHENTICATED');
    expect(codeOf(await refresh(rotated))).toBe('UNAUTHENTICATED');
  });

  test('concurrent refreshes with one token: exactly one wins, and the family is then revoked', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken), refresh(refreshToken)]);
    // The claim is one atomic UPDATE: the first to run it wins, the others are reuses.
    const winners = results.filter((result) => !result.errors);
    expect(winners).toHaveLength(1);
    const { rows } = await harness.adminQuery(
      "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'REFRESH_REUSE' AND target_user_id = $1",
      [user.id],
    );
    expect(rows[0]?.n).toBe(2);
    expect(codeOf(await refresh(winners[0]?.data?.refreshSession.refreshToken))).toBe('UNAUTHENTICATED');
  });

  test('a token whose family had a token revoked is refused (a refresh that raced the revocation)', async () => {
    const { refreshToken } = await harness.createTestUser();
    const next = (await refresh(refreshToken)).data?.refreshSession.refreshToken as string;
    // The revocation reached the family's older token only: the newer one was added meanwhile.
    await harness.adminQuery('UPDATE users.refresh_session SET revoked_at = now() WHERE token_hash = $1', [
      hashRefreshToken(refreshToken),
    ]);
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');
    const { rows } = await harness.adminQuery('SELECT revoked_at FROM users.refresh_session WHERE token_hash = $1', [
      hashRefreshToken(next),
    ]);
    expect(rows[0]?.revoked_at).not.toBeNull();
  });

  test('an unknown refresh token is refused, recorded as FAILED with no actor even for a signed-in caller', async () => {
    const unknown = await refresh('not-a-token');
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'Invalid or expired refresh token',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const caller = await harness.createTestUser();
    const before = await harness.adminQuery(
      "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'REFRESH' AND outcome = 'FAILED' AND actor_id = $1",
      [caller.user.id],
    );
    await harness.execute(REFRESH, { token: 'not-a-token-either' }, caller.accessToken);
    const after = await harness.adminQuery(
      "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'REFRESH' AND outcome = 'FAILED' AND actor_id = $1",
      [caller.user.id],
    );
    expect([before.rows[0]?.n, after.rows[0]?.n]).toEqual([0, 0]);
  });

  test('idle timeout, 30 minutes by default: a refresh token unused for longer is refused', async () => {
    const idleFor = async (minutes: number) => {
      const { user, refreshToken } = await harness.createTestUser();
      await harness.adminQuery(
        `UPDATE users.refresh_session SET created_at = now() - make_interval(mins => $2) WHERE user_id = $1`,
        [user.id, minutes],
      );
      return codeOf(await refresh(refreshToken));
    };
    expect(await idleFor(29)).toBeUndefined();
    expect(await idleFor(31)).toBe('UNAUTHENTICATED');
  });

  test('absolute lifetime, 12 hours by default: a session ends 12 h after its sign-in', async () => {
    const { user } = await harness.createTestUser();
    const { rows } = await harness.adminQuery(
      'SELECT extract(epoch FROM family_expires_at - created_at) AS seconds FROM users.refresh_session WHERE user_id = $1',
      [user.id],
    );
    expect(Math.round(Number(rows[0]?.seconds))).toBe(12 * 3600);
  });

  test('the timeouts are configurable below their maxima; a start above them is one clear line', () => {
    const shorter = testUsersConfig(database, {
      ACCESS_TOKEN_TTL_SECONDS: '300',
      SESSION_IDLE_TIMEOUT_SECONDS: '600',
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600',
    });
    expect([shorter.SESSION_IDLE_TIMEOUT_SECONDS, shorter.SESSION_ABSOLUTE_TIMEOUT_SECONDS]).toEqual([600, 3600]);
    const refused = (overrides: Record<string, string>) => {
      try {
        testUsersConfig(database, overrides);
      } catch (error) {
        return describeStartupError(error);
      }
      throw new Error('accepted');
    };
    expect(refused({ SESSION_IDLE_TIMEOUT_SECONDS: '3600' })).toBe(
      'Invalid environment: SESSION_IDLE_TIMEOUT_SECONDS: at most 1800 (30 minutes, OWASP ASVS 3.3.2)',
    );
    expect(refused({ SESSION_ABSOLUTE_TIMEOUT_SECONDS: String(24 * 3600) })).toBe(
      'Invalid environment: SESSION_ABSOLUTE_TIMEOUT_SECONDS: at most 43200 (12 hours, OWASP ASVS 3.3.2)',
    );
  });

  test('absolute lifetime: a family past its end is refused, however recently refreshed', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    const next = (await refresh(refreshToken)).data?.refreshSession.refreshToken as string;
    await harness.adminQuery(
      `UPDATE users.refresh_session SET family_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');
  });
});

describe('logout', () => {
  test('revokes the family; answers true even for an unknown token', async () => {
    const { refreshToken } = await harness.createTestUser();
    const next = (await refresh(refreshToken)).data?.refreshSession.refreshToken as string;
    expect((await harness.execute(LOGOUT, { token: next })).data?.logout).toBe(true);
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');
    expect((await harness.execute(LOGOUT, { token: 'unknown' })).data?.logout).toBe(true);
  });

  test("ends only that session, not the user's other ones", async () => {
    const { user, password, refreshToken } = await harness.createTestUser();
    const other = await harness.execute(LOGIN, { input: { email: user.email, password } });
    await harness.execute(LOGOUT, { token: refreshToken });
    expect(codeOf(await refresh(other.data?.login.refreshToken))).toBeUndefined();
  });
});

describe('changePassword', () => {
  test("ends every session and access token of the user, no one else's; the new password signs in", async () => {
    const { user, password, accessToken, refreshToken } = await harness.createTestUser();
    const bystander = await harness.createTestUser();
    const result = await harness.execute(
      CHANGE_PASSWORD,
      { current: password, next: 'a brand new long passphrase' },
      accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.changePassword).toBe(true);

    expect(codeOf(await refresh(refreshToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await refresh(bystander.refreshToken))).toBeUndefined();
    expect(codeOf(await harness.execute(ME, {}, accessToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await harness.execute(LOGIN, { input: { email: user.email, password } }))).toBe('UNAUTHENTICATED');

    const login = await harness.execute(LOGIN, {
      input: { email: user.email, password: 'a brand new long passphrase' },
    });
    expect((await harness.execute(ME, {}, login.data?.login.accessToken)).data?.me).toEqual({ id: user.id });
  });

  test('a wrong current password or a weak new one changes nothing', async () => {
    const { user, password, accessToken } = await harness.createTestUser();
    const wrong = await harness.execute(
      CHANGE_PASSWORD,
      { current: 'not my password at all', next: 'a brand new long passphrase' },
      accessToken,
    );
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    const weak = await harness.execute(CHANGE_PASSWORD, { current: password, next: 'short' }, accessToken);
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    // The signUp rule, with the user's own email: the new password may not be built from it.
    const own = await harness.execute(CHANGE_PASSWORD, { current: password, next: `${user.email}!` }, accessToken);
    expect(own.errors?.[0]).toMatchObject({
      message: "This password is built from the service's name or your own email or name; choose another one",
      extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' },
    });
    expect((await harness.execute(ME, {}, accessToken)).data?.me).not.toBeNull();
  });

  test('needs a signed-in user', async () => {
    const result = await harness.execute(CHANGE_PASSWORD, { current: 'x', next: 'a brand new long passphrase' });
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
  });
});

describe('access tokens as signed', () => {
  const account = (fields: Partial<Pick<User, 'role' | 'state' | 'tokensValidAfter'>>) =>
    ({ id: randomUUID(), role: 'CLINICIAN', state: 'ACTIVE', tokensValidAfter: null, ...fields }) as Pick<
      User,
      'id' | 'role' | 'state' | 'tokensValidAfter'
    >;
  const sign = (user: ReturnType<typeof account>) => signAccessToken(user, harness.services.keys, harness.config);

  test('header and claims of DESIGN §4: EdDSA, kid, at+jwt; iss, aud, sub, jti, iat, exp = iat + the lifetime', async () => {
    const user = account({});
    const before = Math.floor(Date.now() / 1000);
    const token = await sign(user);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: harness.services.keys.kid, typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      role: 'CLINICIAN',
      iss: harness.config.JWT_ISSUER,
      aud: harness.config.JWT_AUDIENCE,
      sub: user.id,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: (claims.iat as number) + harness.config.ACCESS_TOKEN_TTL_SECONDS,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(decodeJwt(await sign(user)).jti).not.toBe(claims.jti);
  });

  test('a role only for an ACTIVE account that has one; any other is PENDING without a role', async () => {
    const grant = async (fields: Parameters<typeof account>[0]) => {
      const { role, state } = decodeJwt(await sign(account(fields)));
      return { role, state };
    };
    expect(await grant({ role: 'ADMIN' })).toEqual({ role: 'ADMIN', state: undefined });
    expect(await grant({ role: null, state: 'PENDING' })).toEqual({ role: undefined, state: 'PENDING' });
    expect(await grant({ role: null })).toEqual({ role: undefined, state: 'PENDING' });
    expect(await grant({ role: 'ADMIN', state: 'DEACTIVATED' })).toEqual({ role: undefined, state: 'PENDING' });
  });

  test('after a cut-off in the current second, iat is the next second; an older cut-off leaves it now', async () => {
    const soon = new Date(Date.now() + 5_000);
    expect(decodeJwt(await sign(account({ tokensValidAfter: soon }))).iat).toBe(Math.floor(soon.getTime() / 1000) + 1);
    const now = Math.floor(Date.now() / 1000);
    const old = decodeJwt(await sign(account({ tokensValidAfter: new Date(Date.now() - 10_000) }))).iat;
    expect(old).toBeGreaterThanOrEqual(now);
    expect(old).toBeLessThanOrEqual(now + 1);
  });

  test('a refresh token is 256 random bits, base64url', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newRefreshToken()).not.toBe(token);
  });
});

describe('cut-offs', () => {
  test("a first cut-off is now; a second within the first one's second moves to that second's end", () => {
    const user = { tokensValidAfter: null } as unknown as User;
    const before = Date.now();
    cutOffAccessTokens(user);
    expect(user.tokensValidAfter?.getTime()).toBeGreaterThanOrEqual(before);
    expect(user.tokensValidAfter?.getTime()).toBeLessThanOrEqual(Date.now());
    const ahead = new Date(Date.now() + 3_500);
    user.tokensValidAfter = ahead;
    cutOffAccessTokens(user);
    expect(user.tokensValidAfter?.getTime()).toBe((Math.floor(ahead.getTime() / 1000) + 1) * 1000);
    user.tokensValidAfter = new Date(Date.now() - 60_000);
    const later = Date.now();
    cutOffAccessTokens(user);
    expect(user.tokensValidAfter?.getTime()).toBeGreaterThanOrEqual(later);
  });

  test('the revocation list: cut-offs within the access token lifetime and two minutes, all tokens of a deactivated user', async () => {
    const horizonMs = (harness.config.ACCESS_TOKEN_TTL_SECONDS + 120) * 1000;
    const made = async (state: string, ageMs: number) => {
      const { user } = await harness.createTestUser();
      const at = new Date(Date.now() - ageMs);
      await harness.adminQuery('UPDATE users.account SET state = $2, tokens_valid_after = $3 WHERE id = $1', [
        user.id,
        state,
        at,
      ]);
      return { id: user.id, at };
    };
    const recent = await made('ACTIVE', 60_000);
    const nearHorizon = await made('ACTIVE', horizonMs - 60_000); // past the token lifetime, within its two minutes
    const deactivated = await made('DEACTIVATED', 60_000);
    const past = await made('ACTIVE', horizonMs + 10_000);
    const { rows } = await harness.adminQuery('SELECT id FROM users.account WHERE tokens_valid_after IS NULL LIMIT 1');
    const never = rows[0]?.id as string;
    const { notBefore } = await loadRevocationList(harness.orm.em.fork(), harness.config);
    expect(notBefore[recent.id]).toBe(Math.floor(recent.at.getTime() / 1000) + 1);
    expect(notBefore[deactivated.id]).toBe(Number.MAX_SAFE_INTEGER);
    expect(notBefore[nearHorizon.id]).toBe(Math.floor(nearHorizon.at.getTime() / 1000) + 1);
    expect(past.id in notBefore).toBe(false);
    expect(never in notBefore).toBe(false);
    const cutoff = (id: string) => loadCutoff(harness.orm.em.fork(), harness.config, id);
    expect(await cutoff(recent.id)).toBe(notBefore[recent.id]);
    expect(await cutoff(deactivated.id)).toBe(Number.MAX_SAFE_INTEGER);
    expect(await cutoff(past.id)).toBeNull();
    expect(await cutoff(never)).toBeNull();
    expect(await cutoff(randomUUID())).toBeNull();
  });
});

describe('what a refresh records', () => {
  const eventsOf = async (userId: string | null) =>
    (
      await harness.adminQuery(
        userId
          ? "SELECT action, outcome, actor_id FROM users.auth_event WHERE target_user_id = $1 AND action IN ('REFRESH', 'REFRESH_REUSE', 'LOGOUT') ORDER BY at"
          : "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'REFRESH' AND outcome = 'FAILED' AND actor_id IS NULL",
        userId ? [userId] : [],
      )
    ).rows;

  test('success, reuse (family revoked), an over session and an unknown token each leave their event', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    const next = (await refresh(refreshToken)).data?.refreshSession.refreshToken as string;
    expect(codeOf(await refresh(refreshToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');
    expect(await eventsOf(user.id)).toEqual([
      { action: 'REFRESH', outcome: 'SUCCESS', actor_id: user.id },
      { action: 'REFRESH_REUSE', outcome: 'DENIED', actor_id: user.id },
      { action: 'REFRESH', outcome: 'DENIED', actor_id: user.id },
    ]);
    const [{ n: before }] = (await eventsOf(null)) as [{ n: number }];
    expect(codeOf(await refresh(newRefreshToken()))).toBe('UNAUTHENTICATED');
    expect((await eventsOf(null))[0]?.n).toBe(before + 1);
  });

  test('a deactivated account cannot refresh, even with a live session; an expiresIn of the access token lifetime', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    const fresh = await refresh(refreshToken);
    expect(fresh.data?.refreshSession.expiresIn).toBe(harness.config.ACCESS_TOKEN_TTL_SECONDS);
    await harness.adminQuery("UPDATE users.account SET state = 'DEACTIVATED' WHERE id = $1", [user.id]);
    expect(codeOf(await refresh(fresh.data?.refreshSession.refreshToken))).toBe('UNAUTHENTICATED');
  });

  test('logout names whose session it ended; an unknown token ends none', async () => {
    const { user, refreshToken } = await harness.createTestUser();
    expect((await harness.execute(LOGOUT, { token: refreshToken })).data?.logout).toBe(true);
    expect(await eventsOf(user.id)).toEqual([{ action: 'LOGOUT', outcome: 'SUCCESS', actor_id: user.id }]);
    const { rows } = await harness.adminQuery(
      'SELECT count(*)::int AS n FROM users.refresh_session WHERE user_id = $1 AND revoked_at IS NULL',
      [user.id],
    );
    expect(rows[0]?.n).toBe(0);
  });
});
