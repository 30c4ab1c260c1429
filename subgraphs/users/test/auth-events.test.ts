/**
 * The auth event trail (`users.auth_event`): what each sign-in, session and account change
 * writes, that the table is append-only for the service role and for the owner too, that no
 * account change takes rows with it, and `authEvents` (ADMIN): filters and keyset pages.
 */
import { withClient } from '@healthsync/orm';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createUsersHarness, type GraphQLResult, type UsersHarness } from './harness.js';

let database: TestDatabase;
let harness: UsersHarness;
let admin: Awaited<ReturnType<UsersHarness['createTestUser']>>;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database);
  admin = await harness.createTestUser({ role: 'ADMIN' });
});
afterAll(async () => {
  await harness?.stop();
  await database?.drop();
});

const EVENTS = `query Events($filter: AuthEventFilter, $first: Int, $after: String) {
  authEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id at action outcome actorId targetUserId clientAddress requestId } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { refreshToken } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }';
const LOGOUT = 'mutation Logout($t: String!) { logout(refreshToken: $t) }';
const SET_ROLE = 'mutation SetRole($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id } }';
const CHANGE =
  'mutation Change($old: String!, $new: String!) { changePassword(currentPassword: $old, newPassword: $new) }';
const codeOf = (result: GraphQLResult) => result.errors?.[0]?.extensions?.code;

type Event = {
  action: string;
  outcome: string;
  actorId: string | null;
  targetUserId: string | null;
  clientAddress: string;
};
async function eventsOf(userId: string, extra: Record<string, unknown> = {}): Promise<Event[]> {
  const result = await harness.execute(EVENTS, { filter: { userId, ...extra }, first: 100 }, admin.accessToken);
  expect(result.errors).toBeUndefined();
  return result.data?.authEvents.edges.map((edge: { node: Event }) => edge.node).reverse();
}
const summary = (events: Event[]) => events.map((event) => `${event.action} ${event.outcome}`);

describe('what is recorded', () => {
  test('sign-in (both outcomes), refresh, reuse, logout, password and role changes, with actor, target and address', async () => {
    const user = await harness.createTestUser();
    const ip = { ip: '192.0.2.44' };
    await harness.execute(LOGIN, { input: { email: user.user.email, password: 'not the right one!' } }, undefined, ip);
    const login = await harness.execute(
      LOGIN,
      { input: { email: user.user.email, password: user.password } },
      undefined,
      ip,
    );
    const first = login.data?.login.refreshToken as string;
    const second = (await harness.execute(REFRESH, { t: first })).data?.refreshSession.refreshToken as string;
    expect(codeOf(await harness.execute(REFRESH, { t: first }))).toBe('UNAUTHENTICATED'); // reuse: family revoked
    await harness.execute(LOGOUT, { t: second });
    expect(
      codeOf(
        await harness.execute(
          CHANGE,
          { old: 'wrong current one', new: 'an entirely new passphrase' },
          user.accessToken,
        ),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      (await harness.execute(CHANGE, { old: user.password, new: 'an entirely new passphrase' }, user.accessToken))
        .errors,
    ).toBeUndefined();
    expect(
      (await harness.execute(SET_ROLE, { id: user.user.id, role: 'VIEWER' }, admin.accessToken)).errors,
    ).toBeUndefined();

    const events = await eventsOf(user.user.id);
    expect(summary(events)).toEqual([
      'SIGN_IN DENIED',
      'SIGN_IN SUCCESS',
      'REFRESH SUCCESS',
      'REFRESH_REUSE DENIED',
      'LOGOUT SUCCESS',
      'PASSWORD_CHANGE DENIED',
      'PASSWORD_CHANGE SUCCESS',
      'ROLE_CHANGE SUCCESS',
    ]);
    const [failed, signedIn] = events;
    expect(failed).toMatchObject({ actorId: null, targetUserId: user.user.id, clientAddress: '192.0.2.44' });
    expect(signedIn).toMatchObject({ actorId: user.user.id, targetUserId: user.user.id });
    expect(events.at(-1)).toMatchObject({ actorId: admin.user.id, targetUserId: user.user.id });
  });

  test('a failed sign-in of an unknown email is recorded without an account', async () => {
    const before = (
      await harness.adminQuery(
        "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'SIGN_IN' AND target_user_id IS NULL",
      )
    ).rows[0]?.n;
    await harness.execute(LOGIN, { input: { email: 'nobody-at-all@example.org', password: 'whatever it may be' } });
    const after = (
      await harness.adminQuery(
        "SELECT count(*)::int AS n FROM users.auth_event WHERE action = 'SIGN_IN' AND target_user_id IS NULL",
      )
    ).rows[0]?.n;
    expect(after).toBe(before + 1);
  });
});

describe('append-only', () => {
  test('the service role may not UPDATE, DELETE or TRUNCATE it; the owner is stopped by the trigger', async () => {
    const refusals: string[] = [];
    for (const statement of [
      'UPDATE users.auth_event SET outcome = outcome',
      'DELETE FROM users.auth_event',
      'TRUNCATE users.auth_event',
    ]) {
      await withClient(database.urls.users, (client) => client.query(statement)).catch((error: Error) =>
        refusals.push(error.message),
      );
      await withClient(database.adminUrl, (client) => client.query(statement)).catch((error: Error) =>
        refusals.push(error.message),
      );
    }
    expect(refusals).toEqual([
      'permission denied for table auth_event',
      'auth_event is append-only',
      'permission denied for table auth_event',
      'auth_event is append-only',
      'permission denied for table auth_event',
      'auth_event is append-only',
    ]);
  });

  test('an account removed by its owner leaves its events in place (no foreign key)', async () => {
    const user = await harness.createTestUser();
    await harness.execute(LOGIN, { input: { email: user.user.email, password: user.password } });
    await harness.adminQuery('DELETE FROM users.account WHERE id = $1', [user.user.id]);
    expect(summary(await eventsOf(user.user.id))).toEqual(['SIGN_IN SUCCESS']);
  });
});

describe('authEvents', () => {
  test('filters by action and time, and pages newest first with a keyset cursor', async () => {
    const user = await harness.createTestUser();
    const from = new Date().toISOString();
    for (let i = 0; i < 3; i++)
      await harness.execute(LOGIN, { input: { email: user.user.email, password: user.password } });
    await harness.execute(LOGIN, { input: { email: user.user.email, password: 'a wrong password here' } });
    const signIns = await eventsOf(user.user.id, { action: 'SIGN_IN', from });
    expect(signIns).toHaveLength(4);
    expect(await eventsOf(user.user.id, { action: 'SIGN_IN', to: from })).toEqual([]);

    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await harness.execute(
        EVENTS,
        { filter: { userId: user.user.id }, first: 3, after },
        admin.accessToken,
      );
      expect(page.data?.authEvents.totalCount).toBe(4);
      pages.push(page.data?.authEvents.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = page.data?.authEvents.pageInfo.hasNextPage ? page.data.authEvents.pageInfo.endCursor : undefined;
    } while (after);
    expect(pages.map((page) => page.length)).toEqual([3, 1]);
    const all = await harness.execute(EVENTS, { filter: { userId: user.user.id }, first: 10 }, admin.accessToken);
    const times = all.data?.authEvents.edges.map((edge: { node: { at: string } }) => Date.parse(edge.node.at));
    expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
  });

  test('only an ADMIN reads it', async () => {
    const clinician = await harness.createTestUser();
    expect(codeOf(await harness.execute(EVENTS, {}, clinician.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await harness.execute(EVENTS, {}))).toBe('UNAUTHENTICATED');
  });
});
