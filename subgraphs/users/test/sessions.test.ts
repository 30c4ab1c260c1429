import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { hashRefreshToken } from '../src/tokens.js';
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
    const { refreshToken } = await harness.createTestUser();
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken), refresh(refreshToken)]);
    // The claim is one atomic UPDATE: the first to run it wins, the others are reuses.
    const winners = results.filter((result) => !result.errors);
    expect(winners).toHaveLength(1);
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

  test('an unknown refresh token is refused', async () => {
    expect(codeOf(await refresh('not-a-token'))).toBe('UNAUTHENTICATED');
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
  test('ends every session and access token of the user; the new password signs in', async () => {
    const { user, password, accessToken, refreshToken } = await harness.createTestUser();
    const result = await harness.execute(
      CHANGE_PASSWORD,
      { current: password, next: 'a brand new long passphrase' },
      accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.changePassword).toBe(true);

    expect(codeOf(await refresh(refreshToken))).toBe('UNAUTHENTICATED');
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
