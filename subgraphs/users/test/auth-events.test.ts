/**
 * The auth event trail (`users.auth_event`): what each sign-in, session and account change
 * writes, that the table is append-only for the service role and for the owner too, that no
 * account change takes rows with it, and `authEvents` (ADMIN): filters and keyset pages.
 */
import { randomUUID } from 'node:crypto';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createAuthTrail, listAuthEvents } from '../src/auth-events.js';
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

describe('the trail writer', () => {
  test('the actor is the signed-in caller unless named (null included); address and request id are cut to their columns', async () => {
    const em = harness.orm.em.fork();
    const viewer = { userId: randomUUID(), role: 'ADMIN' } as never;
    const target = randomUUID();
    const trail = createAuthTrail({
      em,
      viewer,
      clientAddress: `2001:db8::${'a'.repeat(100)}`,
      requestId: 'r'.repeat(200),
    });
    await trail.write('DEACTIVATION', 'SUCCESS', { targetUserId: target });
    await trail.write('DEACTIVATION', 'DENIED', { actorId: null, targetUserId: target });
    trail.add('DEACTIVATION', 'FAILED', { actorId: target });
    await em.flush();
    const { rows } = await harness.adminQuery(
      'SELECT outcome, actor_id, target_user_id, client_address, request_id FROM users.auth_event WHERE target_user_id = $1 OR actor_id = $1 ORDER BY outcome',
      [target],
    );
    expect(rows).toEqual([
      expect.objectContaining({ outcome: 'DENIED', actor_id: null, target_user_id: target }),
      expect.objectContaining({ outcome: 'FAILED', actor_id: target, target_user_id: null }),
      expect.objectContaining({
        outcome: 'SUCCESS',
        actor_id: (viewer as { userId: string }).userId,
        target_user_id: target,
      }),
    ]);
    for (const row of rows) {
      expect(row.client_address).toBe(`2001:db8::${'a'.repeat(100)}`.slice(0, 64));
      expect(row.request_id).toBe('r'.repeat(128));
    }
  });
});

describe('listAuthEvents', () => {
  const em = () => harness.orm.em.fork();
  /** Three events of one fresh target at one and the same instant, and one a second later. */
  async function sameInstant() {
    const target = randomUUID();
    const at = new Date(Date.now() - 60_000);
    for (const [outcome, when] of [
      ['SUCCESS', at],
      ['DENIED', at],
      ['FAILED', at],
      ['SUCCESS', new Date(at.getTime() + 1000)],
    ] as const)
      await harness.adminQuery(
        "INSERT INTO users.auth_event (id, at, action, outcome, target_user_id) VALUES ($1, $2, 'APPROVAL', $3, $4)",
        [randomUUID(), when, outcome, target],
      );
    return { target, at };
  }

  test('page sizes 1 to 100; anything else, a non-UUID userId or a bad cursor is BAD_USER_INPUT naming the argument', async () => {
    const refusal = (first: number, after?: string, userId?: string) =>
      listAuthEvents(em(), { userId }, first, after).then(
        () => 'accepted',
        (error: { message: string; extensions: { code: string; field?: string } }) =>
          `${error.extensions.code} ${error.extensions.field}: ${error.message}`,
      );
    expect(await refusal(0)).toBe('BAD_USER_INPUT first: first must be 1 to 100');
    expect(await refusal(101)).toBe('BAD_USER_INPUT first: first must be 1 to 100');
    expect(await refusal(1)).toBe('accepted');
    expect(await refusal(100)).toBe('accepted');
    expect(await refusal(10, undefined, 'not-a-uuid')).toBe('BAD_USER_INPUT filter.userId: userId must be a UUID');
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [
      'not base64 json',
      cursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
      cursor(['not a date', randomUUID()]),
      cursor([1_700_000_000_000, randomUUID()]),
      cursor({}),
    ])
      expect(await refusal(10, after)).toBe('BAD_USER_INPUT after: Invalid cursor');
    expect(await refusal(10, cursor(['2026-01-01T00:00:00.000Z', randomUUID()]))).toBe('accepted');
  });

  test('from is inclusive and to exclusive; userId matches the actor as well as the target', async () => {
    const { target, at } = await sameInstant();
    const outcomes = async (filter: Parameters<typeof listAuthEvents>[1]) =>
      (await listAuthEvents(em(), filter, 100, undefined)).edges.map((edge) => edge.node.outcome).sort();
    expect(await outcomes({ userId: target, from: at })).toEqual(['DENIED', 'FAILED', 'SUCCESS', 'SUCCESS']);
    expect(await outcomes({ userId: target, to: at })).toEqual([]);
    expect(
      await outcomes({ userId: target, from: new Date(at.getTime() + 1), to: new Date(at.getTime() + 1001) }),
    ).toEqual(['SUCCESS']);
    expect(await outcomes({ userId: target, action: 'SIGN_IN' })).toEqual([]);
    expect(await outcomes({ userId: target, action: 'APPROVAL' })).toHaveLength(4);
    const actor = randomUUID();
    await harness.adminQuery(
      "INSERT INTO users.auth_event (id, at, action, outcome, actor_id) VALUES ($1, now(), 'INVITATION', 'SUCCESS', $2)",
      [randomUUID(), actor],
    );
    expect(await outcomes({ userId: actor })).toEqual(['SUCCESS']);
  });

  test('one at a time through events of the same instant: each once, newest first, the last page says so', async () => {
    const { target } = await sameInstant();
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await listAuthEvents(em(), { userId: target }, 1, after);
      expect(page.totalCount).toBe(4);
      seen.push(...page.edges.map((edge) => edge.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? undefined;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(4);
    const whole = await listAuthEvents(em(), { userId: target }, 4, undefined);
    expect(whole.pageInfo.hasNextPage).toBe(false);
    expect(whole.edges.map((edge) => edge.node.id)).toEqual(seen);
    expect(whole.pageInfo.endCursor).toBe(whole.edges[3]?.cursor);
    const none = await listAuthEvents(em(), { userId: randomUUID() }, 5, undefined);
    expect(none).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
  });
});
