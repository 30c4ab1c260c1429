/**
 * Issue 12's sign-up policy in the users subgraph: SIGNUP_MODE (open, approval, invite), its
 * defaults, invitations (one use, that email, expiring, stored hashed), the answer that does not
 * tell whether an email is taken, and the per-address sign-up throttle.
 */
import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import { RateLimitedError } from '@healthsync/orm';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { loadUsersConfig } from '../src/environment.js';
import { createUsersHarness, type GraphQLResult, type UsersHarness } from './harness.js';

let database: TestDatabase;
const harnesses: UsersHarness[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const harness of harnesses) await harness.stop();
  await database?.drop();
});
async function harnessFor(overrides: Record<string, string>) {
  const harness = await createUsersHarness(database, overrides);
  harnesses.push(harness);
  return harness;
}

const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken refreshToken tokenType expiresIn user { id email name role state active } }
}`;
const INVITE =
  'mutation Invite($email: EmailAddress!, $role: Role!) { inviteUser(email: $email, role: $role) { token email role expiresAt } }';
const ME = '{ me { id state role } }';
const PASSWORD = 'a quiet harbour at dawn';
const codeOf = (result: GraphQLResult) => result.errors?.[0]?.extensions?.code;
let counter = 0;
const nextEmail = (tag: string) => `${tag}-${++counter}@example.org`;
let address = 0;
const nextAddress = () => ({ ip: `203.0.113.${++address}` });

describe('defaults', () => {
  const base = { USERS_DATABASE_URL: 'postgres://u@127.0.0.1/db' };
  test('open in development and test, approval in production; SIGNUP_MODE overrides either', () => {
    expect(loadUsersConfig({ ...base }).SIGNUP_MODE).toBe('open');
    expect(loadUsersConfig({ ...base, NODE_ENV: 'test' }).SIGNUP_MODE).toBe('open');
    const production = { ...base, NODE_ENV: 'production', SUBGRAPH_SECRET: 's'.repeat(32) };
    expect(loadUsersConfig(production).SIGNUP_MODE).toBe('approval');
    expect(loadUsersConfig({ ...production, SIGNUP_MODE: 'invite' }).SIGNUP_MODE).toBe('invite');
    expect(() => loadUsersConfig({ ...base, SIGNUP_MODE: 'anyone' })).toThrow(/SIGNUP_MODE/);
  });
});

describe('SIGNUP_MODE=open', () => {
  test('an email already taken is a CONFLICT (development: the quick-start journey)', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'open' });
    const input = { email: nextEmail('open'), password: PASSWORD, name: 'Open' };
    const first = await harness.execute(SIGN_UP, { input }, undefined, nextAddress());
    expect(first.data?.signUp.user).toMatchObject({ state: 'ACTIVE', role: 'CLINICIAN', active: true });
    expect((await harness.execute(SIGN_UP, { input }, undefined, nextAddress())).errors?.[0]).toMatchObject({
      message: 'An account with this email already exists',
      extensions: { code: 'CONFLICT' },
    });
    // The password rule knows whose account it is.
    const own = await harness.execute(
      SIGN_UP,
      { input: { email: nextEmail('ada.lovelace'), password: 'adalovelace1815', name: 'Ada Lovelace' } },
      undefined,
      nextAddress(),
    );
    expect(own.errors?.[0]?.message).toBe(
      "This password is built from the service's name or your own email or name; choose another one",
    );
  });
});

describe('SIGNUP_MODE=approval', () => {
  test('the account is PENDING with no role; its token reads itself only', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'approval' });
    const result = await harness.execute(
      SIGN_UP,
      { input: { email: nextEmail('pending'), password: PASSWORD, name: 'P' } },
      undefined,
      nextAddress(),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.signUp.user).toMatchObject({ state: 'PENDING', role: null, active: false });
    const token = result.data?.signUp.accessToken;
    expect((await harness.execute(ME, {}, token)).data?.me).toEqual({
      id: result.data?.signUp.user.id,
      state: 'PENDING',
      role: null,
    });
    const other = await harness.createTestUser();
    expect(
      codeOf(await harness.execute('query($id: ID!) { user(id: $id) { id } }', { id: other.user.id }, token)),
    ).toBe('FORBIDDEN');
    const entities = await harness.execute(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }',
      { r: [{ __typename: 'User', id: other.user.id }] },
      token,
    );
    expect(codeOf(entities)).toBe('FORBIDDEN');
  });

  test('a taken email gets the same answer as a new one, and is recorded as DENIED', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'approval' });
    const email = nextEmail('taken');
    const first = await harness.execute(
      SIGN_UP,
      { input: { email, password: PASSWORD, name: 'Taken' } },
      undefined,
      nextAddress(),
    );
    const again = await harness.execute(
      SIGN_UP,
      { input: { email, password: `${PASSWORD}!`, name: 'Taken' } },
      undefined,
      nextAddress(),
    );
    const shape = (result: GraphQLResult) => ({
      errors: result.errors,
      user: { ...result.data?.signUp.user, id: typeof result.data?.signUp.user.id },
      tokenType: result.data?.signUp.tokenType,
      expiresIn: result.data?.signUp.expiresIn,
      refreshToken: result.data?.signUp.refreshToken.length,
    });
    expect(shape(again)).toEqual(shape(first));
    expect(again.data?.signUp.user.id).not.toBe(first.data?.signUp.user.id);
    const { rows } = await harness.adminQuery(
      "SELECT outcome, target_user_id FROM users.auth_event WHERE action = 'SIGN_UP' AND target_user_id = $1 ORDER BY at",
      [first.data?.signUp.user.id],
    );
    expect(rows.map((row) => row.outcome)).toEqual(['SUCCESS', 'DENIED']);
    const { rows: accounts } = await harness.adminQuery(
      'SELECT count(*)::int AS n FROM users.account WHERE email = $1',
      [email],
    );
    expect(accounts[0]?.n).toBe(1);
  });
});

describe('SIGNUP_MODE=invite', () => {
  let harness: UsersHarness;
  let adminToken: string;
  beforeAll(async () => {
    harness = await harnessFor({ SIGNUP_MODE: 'invite', INVITATION_TTL_SECONDS: '3600' });
    adminToken = (await harness.createTestUser({ role: 'ADMIN' })).accessToken;
  });
  const invite = async (email: string, role = 'VIEWER') => {
    const result = await harness.execute(INVITE, { email, role }, adminToken);
    expect(result.errors).toBeUndefined();
    return result.data?.inviteUser as { token: string; expiresAt: string };
  };
  const signUp = (email: string, invitation?: string) =>
    harness.execute(
      SIGN_UP,
      { input: { email, password: PASSWORD, name: 'Invited', ...(invitation ? { invitation } : {}) } },
      undefined,
      nextAddress(),
    );
  const INVALID = { code: 'BAD_USER_INPUT', field: 'invitation' };

  test('signUp without an invitation is refused; with one, the account is ACTIVE with its role', async () => {
    const email = nextEmail('invited');
    const refused = await signUp(email);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'Signing up needs an invitation from an administrator',
      extensions: INVALID,
    });
    const { token, expiresAt } = await invite(email, 'VIEWER');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const made = await signUp(email.toUpperCase(), token);
    expect(made.errors).toBeUndefined();
    expect(made.data?.signUp.user).toMatchObject({ state: 'ACTIVE', role: 'VIEWER' });
  });

  test('an invitation is for one use, that email only, until it expires; each refusal reads the same', async () => {
    const email = nextEmail('once');
    const { token } = await invite(email);
    const message = 'Invalid or expired invitation';
    expect((await signUp(nextEmail('someone-else'), token)).errors?.[0]).toMatchObject({
      message,
      extensions: INVALID,
    });
    expect((await signUp(email, token)).errors).toBeUndefined();
    expect((await signUp(email, token)).errors?.[0]).toMatchObject({ message, extensions: INVALID });
    expect((await signUp(nextEmail('guess'), 'not-an-invitation')).errors?.[0]).toMatchObject({
      message,
      extensions: INVALID,
    });

    const late = nextEmail('late');
    const expiring = await invite(late);
    await harness.adminQuery("UPDATE users.invitation SET expires_at = now() - interval '1 second' WHERE email = $1", [
      late,
    ]);
    expect((await signUp(late, expiring.token)).errors?.[0]).toMatchObject({ message, extensions: INVALID });
  });

  test('only the SHA-256 of the token is stored; an email with an account cannot be invited; only admins invite', async () => {
    const email = nextEmail('hashed');
    const { token } = await invite(email);
    const { rows } = await harness.adminQuery('SELECT * FROM users.invitation WHERE email = $1', [email]);
    expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    const member = await harness.createTestUser();
    expect(
      (await harness.execute(INVITE, { email: member.user.email, role: 'VIEWER' }, adminToken)).errors?.[0],
    ).toMatchObject({
      message: 'An account with this email already exists',
      extensions: { code: 'CONFLICT' },
    });
    expect(codeOf(await harness.execute(INVITE, { email: nextEmail('x'), role: 'ADMIN' }, member.accessToken))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('what a sign-up and an invitation leave behind', () => {
  test('an invitation records who made it, when it ends, and an INVITATION event; its use records the account', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'invite', INVITATION_TTL_SECONDS: '7200' });
    const admin = await harness.createTestUser({ role: 'ADMIN' });
    const email = nextEmail('recorded');
    const before = Date.now();
    const made = await harness.execute(INVITE, { email, role: 'CLINICIAN' }, admin.accessToken);
    expect(made.errors).toBeUndefined();
    expect(made.data?.inviteUser).toMatchObject({ email, role: 'CLINICIAN' });
    const { rows } = await harness.adminQuery(
      'SELECT created_by, expires_at, used_at, used_by FROM users.invitation WHERE email = $1',
      [email],
    );
    expect(rows[0]).toMatchObject({ created_by: admin.user.id, used_at: null, used_by: null });
    const ends = new Date(rows[0]?.expires_at).getTime();
    expect(ends).toBeGreaterThanOrEqual(before + 7200_000 - 1000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 7200_000);
    expect(Math.floor(ends / 1000) * 1000).toBe(Date.parse(made.data?.inviteUser.expiresAt)); // answered in whole seconds
    const { rows: events } = await harness.adminQuery(
      "SELECT outcome, actor_id, target_user_id FROM users.auth_event WHERE action = 'INVITATION' AND actor_id = $1",
      [admin.user.id],
    );
    expect(events).toEqual([{ outcome: 'SUCCESS', actor_id: admin.user.id, target_user_id: null }]);

    const signedUp = await harness.execute(
      SIGN_UP,
      { input: { email, password: PASSWORD, name: 'Recorded', invitation: made.data?.inviteUser.token } },
      undefined,
      nextAddress(),
    );
    const id = signedUp.data?.signUp.user.id;
    expect(signedUp.data?.signUp.user).toMatchObject({ email, state: 'ACTIVE', role: 'CLINICIAN', active: true });
    const { rows: used } = await harness.adminQuery('SELECT used_at, used_by FROM users.invitation WHERE email = $1', [
      email,
    ]);
    expect(used[0]?.used_by).toBe(id);
    expect(used[0]?.used_at).toBeInstanceOf(Date);
    const { rows: signUps } = await harness.adminQuery(
      "SELECT outcome, actor_id FROM users.auth_event WHERE action = 'SIGN_UP' AND target_user_id = $1",
      [id],
    );
    expect(signUps).toEqual([{ outcome: 'SUCCESS', actor_id: id }]);
  });

  test('in approval mode an invitation skips the wait: ACTIVE with the invited role', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'approval' });
    const admin = await harness.createTestUser({ role: 'ADMIN' });
    const email = nextEmail('invited-approval');
    const token = (await harness.execute(INVITE, { email, role: 'VIEWER' }, admin.accessToken)).data?.inviteUser.token;
    const result = await harness.execute(
      SIGN_UP,
      { input: { email, password: PASSWORD, name: 'Invited', invitation: token } },
      undefined,
      nextAddress(),
    );
    expect(result.data?.signUp.user).toMatchObject({ state: 'ACTIVE', role: 'VIEWER' });
    // Without one, the same mode waits for approval.
    const waiting = await harness.execute(
      SIGN_UP,
      { input: { email: nextEmail('waiting'), password: PASSWORD, name: 'Waiting' } },
      undefined,
      nextAddress(),
    );
    expect(waiting.data?.signUp.user).toMatchObject({ state: 'PENDING', role: null });
  });

  test('an invitation whose email got an account meanwhile reads as invalid, is not used up, and is recorded as DENIED', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'invite' });
    const admin = await harness.createTestUser({ role: 'ADMIN' });
    const email = nextEmail('raced');
    const token = (await harness.execute(INVITE, { email, role: 'VIEWER' }, admin.accessToken)).data?.inviteUser.token;
    const other = await harness.createTestUser({ email });
    const result = await harness.execute(
      SIGN_UP,
      { input: { email, password: PASSWORD, name: 'Raced', invitation: token } },
      undefined,
      nextAddress(),
    );
    expect(result.errors?.[0]).toMatchObject({
      message: 'Invalid or expired invitation',
      extensions: { code: 'BAD_USER_INPUT', field: 'invitation' },
    });
    const { rows } = await harness.adminQuery('SELECT used_at FROM users.invitation WHERE email = $1', [email]);
    expect(rows[0]?.used_at).toBeNull();
    const { rows: events } = await harness.adminQuery(
      "SELECT outcome FROM users.auth_event WHERE action = 'SIGN_UP' AND target_user_id = $1",
      [other.user.id],
    );
    expect(events).toEqual([{ outcome: 'DENIED' }]);
  });
});

describe('the sign-up throttle', () => {
  test('SIGNUP_MAX_PER_ADDRESS attempts per address, then RATE_LIMITED with retryAfter; another address is not held up', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'open', SIGNUP_MAX_PER_ADDRESS: '3' });
    const from = { ip: '198.51.100.77' };
    const attempt = (password = PASSWORD) =>
      harness.execute(SIGN_UP, { input: { email: nextEmail('flood'), password, name: 'Flood' } }, undefined, from);
    // Refused attempts count too: a flood of bad sign-ups is a flood.
    expect(codeOf(await attempt('short'))).toBe('BAD_USER_INPUT');
    expect((await attempt()).errors).toBeUndefined();
    expect((await attempt()).errors).toBeUndefined();
    const limited = await attempt();
    expect(limited.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(limited.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(3000);
    const elsewhere = await harness.execute(
      SIGN_UP,
      { input: { email: nextEmail('elsewhere'), password: PASSWORD, name: 'E' } },
      undefined,
      { ip: '198.51.100.78' },
    );
    expect(elsewhere.errors).toBeUndefined();
  });
});

describe('a full password-hashing queue', () => {
  test('sheds a sign-up before anything else: no throttle count, no rule, no account; the same for a taken email', async () => {
    const harness = await harnessFor({ SIGNUP_MODE: 'approval', SIGNUP_MAX_PER_ADDRESS: '2' });
    const from = { ip: '198.51.100.90' };
    const taken = nextEmail('shed');
    expect(
      (await harness.execute(SIGN_UP, { input: { email: taken, password: PASSWORD, name: 'Shed' } })).errors,
    ).toBeUndefined();
    const counted = async () =>
      (
        await harness.adminQuery('SELECT coalesce(sum(points), 0)::int AS n FROM users.login_throttle WHERE key = $1', [
          `signup:${from.ip}`,
        ])
      ).rows[0]?.n;
    // The queue as the hasher reports it when full (passwords.test.ts fills a real one).
    const full = jest.spyOn(harness.services.passwords, 'assertRoom').mockImplementation(() => {
      throw new RateLimitedError(3);
    });
    try {
      for (const input of [
        { email: nextEmail('shed'), password: 'zzzzzzzzzzzz', name: 'Shed' }, // a password the rule refuses
        { email: nextEmail('shed'), password: PASSWORD, name: 'Shed' },
        { email: taken, password: PASSWORD, name: 'Shed' },
        { email: nextEmail('shed'), password: PASSWORD, name: 'Shed' },
      ]) {
        const result = await harness.execute(SIGN_UP, { input }, undefined, from);
        expect(result.errors?.map((error) => error.extensions)).toEqual([{ code: 'RATE_LIMITED', retryAfter: 3 }]);
        expect(result.data).toBeNull();
      }
      expect(full).toHaveBeenCalledTimes(4);
    } finally {
      full.mockRestore();
    }
    // None counted against the address (its limit is 2), and no account made.
    expect(await counted()).toBe(0);
    const { rows } = await harness.adminQuery("SELECT count(*)::int AS n FROM users.account WHERE email LIKE 'shed-%'");
    expect(rows[0]?.n).toBe(1);
    // Room again: the address signs up as usual.
    const after = await harness.execute(
      SIGN_UP,
      { input: { email: nextEmail('shed'), password: PASSWORD, name: 'Shed' } },
      undefined,
      from,
    );
    expect(after.errors).toBeUndefined();
    expect(await counted()).toBe(1);
  });
});
