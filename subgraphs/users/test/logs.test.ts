/**
 * What the users subgraph logs, over HTTP at level trace, through a journey of successes and of
 * every kind of error path (refused input, failed sign-in, reused and unknown refresh tokens,
 * invalid invitation, malformed body, a database error inside a request): no password, access
 * token, refresh token or invitation appears in any line, at any depth.
 */
import { createLogger } from '@healthsync/orm';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { type GraphQLResult, startUsersHttp } from './harness.js';

let database: TestDatabase;
let http: Awaited<ReturnType<typeof startUsersHttp>>;
const lines: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('users', 'trace', { write: (line: string) => void lines.push(line) });
  http = await startUsersHttp(database, { SIGNUP_MODE: 'open' }, { logger });
});
afterAll(async () => {
  await http?.server.stop();
  await database?.drop();
});

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id } } }`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }';
const LOGOUT = 'mutation Logout($t: String!) { logout(refreshToken: $t) }';
const CHANGE =
  'mutation Change($old: String!, $new: String!) { changePassword(currentPassword: $old, newPassword: $new) }';
const INVITE = 'mutation Invite($email: EmailAddress!) { inviteUser(email: $email, role: VIEWER) { token } }';
const codeOf = (result: { body: GraphQLResult }) => result.body.errors?.[0]?.extensions?.code;

test('no secret of the journey reaches a log line', async () => {
  const secrets: string[] = [];
  const secret = <T extends string>(value: T): T => {
    secrets.push(value);
    return value;
  };
  const email = 'logged-person@example.org';
  const password = secret('Quokka-Marmalade-7319');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const signedUp = await http.post(SIGN_UP, { input: { email, password, name: 'Logged Person' } });
  expect(signedUp.body.errors).toBeUndefined();
  const { accessToken, refreshToken } = (signedUp.body.data?.signUp ?? {}) as {
    accessToken: string;
    refreshToken: string;
  };
  secret(accessToken);
  secret(refreshToken);

  // Refused input, failed sign-ins, dead refresh tokens, a bad invitation, a bad bearer token.
  expect(
    codeOf(
      await http.post(SIGN_UP, {
        input: { email: 'weak@example.org', password: secret('healthsync-Marmalade'), name: 'W' },
      }),
    ),
  ).toBe('BAD_USER_INPUT');
  expect(codeOf(await http.post(LOGIN, { input: { email, password: secret('Wrong-Marmalade-1234') } }))).toBe(
    'UNAUTHENTICATED',
  );
  const rotated = await http.post(REFRESH, { t: refreshToken });
  secret(rotated.body.data?.refreshSession.refreshToken);
  expect(codeOf(await http.post(REFRESH, { t: refreshToken }))).toBe('UNAUTHENTICATED'); // reuse: logged as a warning
  expect(codeOf(await http.post(REFRESH, { t: secret('no-such-refresh-token-Marmalade') }))).toBe('UNAUTHENTICATED');
  await http.post(LOGOUT, { t: secret('no-such-session-Marmalade') });
  expect(
    codeOf(
      await http.post(SIGN_UP, {
        input: { email: 'guest@example.org', password, name: 'G', invitation: secret('no-such-invitation-Marmalade') },
      }),
    ),
  ).toBe('BAD_USER_INPUT');
  const login = await http.post(LOGIN, { input: { email, password } });
  const freshToken = secret(login.body.data?.login.accessToken as string);
  secret(login.body.data?.login.refreshToken);
  expect(
    codeOf(
      await http.post(
        CHANGE,
        { old: secret('Not-My-Current-Marmalade'), new: secret('Another-Marmalade-Jar-88') },
        bearer(freshToken),
      ),
    ),
  ).toBe('BAD_USER_INPUT');
  expect((await http.post('{ me { id } }', {}, bearer(secret(`${freshToken.slice(0, -4)}AAAA`)))).status).toBe(401);

  // An invitation, made by an admin.
  await withClient(database.adminUrl, (client) =>
    client.query("UPDATE users.account SET role = 'ADMIN' WHERE email = $1", [email]),
  );
  const admin = await http.post(LOGIN, { input: { email, password } });
  const adminToken = secret(admin.body.data?.login.accessToken as string);
  secret(admin.body.data?.login.refreshToken);
  const invited = await http.post(INVITE, { email: 'invited@example.org' }, bearer(adminToken));
  secret(invited.body.data?.inviteUser.token);

  // A malformed body carrying a password.
  const malformed = await fetch(http.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"query":"mutation { login(input: { email: \\"${email}\\", password: \\"${password}\\" }) { accessToken } }"`,
  });
  expect(malformed.status).toBe(400);

  // A database error inside requests that carry secrets: the trail cannot be written.
  await withClient(database.adminUrl, (client) =>
    client.query('REVOKE INSERT ON users.auth_event FROM healthsync_users'),
  );
  try {
    expect(codeOf(await http.post(LOGIN, { input: { email, password } }))).toBe('INTERNAL_SERVER_ERROR');
    expect(
      codeOf(
        await http.post(SIGN_UP, {
          input: { email: 'broken@example.org', password: secret('Broken-Marmalade-Jar-5'), name: 'B' },
        }),
      ),
    ).toBe('INTERNAL_SERVER_ERROR');
  } finally {
    await withClient(database.adminUrl, (client) =>
      client.query('GRANT INSERT ON users.auth_event TO healthsync_users'),
    );
  }

  const log = lines.join('');
  // The error paths were logged (so this looked at something)…
  expect(log).toContain('unexpected error');
  expect(log).toContain('refresh token reused');
  // …without any secret, nor the distinctive word every made-up one carries.
  expect(secrets.filter((value) => log.includes(value))).toEqual([]);
  expect(log).not.toContain('Marmalade');
});
