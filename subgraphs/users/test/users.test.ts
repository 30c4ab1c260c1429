import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createUsersHarness } from './harness.js';

let database: TestDatabase;
let harness: Awaited<ReturnType<typeof createUsersHarness>>;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken refreshToken tokenType expiresIn user { id email name role active } }
}`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken user { email } } }`;
const ME = '{ me { id email role } }';

describe('signUp, login, me', () => {
  test('a new account signs up with the default role and can read itself', async () => {
    const result = await harness.execute(SIGN_UP, {
      input: { email: 'Ada@Example.org', password: 'a long enough secret', name: '  Ada   Lovelace ' },
    });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.signUp;
    expect(payload).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { name: 'Ada Lovelace', role: 'CLINICIAN', active: true },
    });
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await harness.execute(ME, {}, payload.accessToken);
    expect(me.data?.me).toEqual({ id: payload.user.id, email: 'Ada@Example.org', role: 'CLINICIAN' });
  });

  test('SIGNUP_DEFAULT_ROLE sets the role of self sign-up', async () => {
    const viewers = await createUsersHarness(database, { SIGNUP_DEFAULT_ROLE: 'VIEWER' });
    try {
      const result = await viewers.execute(SIGN_UP, {
        input: { email: 'viewer-by-default@example.org', password: 'a long enough secret', name: 'V' },
      });
      expect(result.data?.signUp.user.role).toBe('VIEWER');
    } finally {
      await viewers.stop();
    }
  });

  test('emails are unique whatever their case', async () => {
    const input = { email: 'grace@example.org', password: 'another long secret', name: 'Grace' };
    expect((await harness.execute(SIGN_UP, { input })).errors).toBeUndefined();
    const again = await harness.execute(SIGN_UP, { input: { ...input, email: 'GRACE@example.org' } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  test('a short password is refused with BAD_USER_INPUT naming the field, and nothing is written', async () => {
    const result = await harness.execute(SIGN_UP, {
      input: { email: 'short@example.org', password: 'short', name: 'S' },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const login = await harness.execute(LOGIN, { input: { email: 'short@example.org', password: 'short' } });
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('login works with any case of the email and refuses a wrong password like an unknown email', async () => {
    const { user, password } = await harness.createTestUser({ email: 'login@example.org' });
    const ok = await harness.execute(LOGIN, { input: { email: 'LOGIN@example.org', password } });
    expect(ok.data?.login.user.email).toBe(user.email);

    const wrong = await harness.execute(LOGIN, {
      input: { email: 'login@example.org', password: 'not the password!' },
    });
    const unknown = await harness.execute(LOGIN, {
      input: { email: 'nobody@example.org', password: 'not the password!' },
    });
    expect(wrong.errors?.[0]).toEqual(unknown.errors?.[0]);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('me is null when anonymous', async () => {
    expect((await harness.execute(ME)).data?.me).toBeNull();
  });
});

describe('federation', () => {
  const ENTITIES = `query($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id email } }
  }`;
  const DETAILS = `query($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id name email role state active lastLoginAt } }
  }`;

  test('_entities resolves a page of user references: email (and role…) only for yourself or an admin', async () => {
    const { user: a, accessToken } = await harness.createTestUser();
    const { user: b } = await harness.createTestUser();
    const { accessToken: adminToken } = await harness.createTestUser({ role: 'ADMIN' });
    const representations = [
      { __typename: 'User', id: a.id },
      { __typename: 'User', id: b.id },
    ];
    const seenBy = async (token: string) => {
      const result = await harness.execute(DETAILS, { representations }, token);
      expect(result.errors).toBeUndefined();
      return result.data?._entities;
    };
    const hidden = { email: null, role: null, state: null, active: null, lastLoginAt: null };
    const all = (user: typeof a) => ({
      email: user.email,
      role: 'CLINICIAN',
      state: 'ACTIVE',
      active: true,
      lastLoginAt: null,
    });
    expect(await seenBy(accessToken)).toEqual([
      { id: a.id, name: 'Test User', ...all(a) },
      { id: b.id, name: 'Test User', ...hidden },
    ]);
    expect(await seenBy(adminToken)).toEqual([
      { id: a.id, name: 'Test User', ...all(a) },
      { id: b.id, name: 'Test User', ...all(b) },
    ]);
  });

  test('_entities with ids that are not UUIDs resolves nothing, without an error', async () => {
    const { accessToken } = await harness.createTestUser();
    const result = await harness.execute(
      ENTITIES,
      {
        representations: [
          { __typename: 'User', id: 'not-a-uuid' },
          { __typename: 'User', id: 'x\u0000y' },
        ],
      },
      accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([null, null]);
  });

  test.each([1, 20, 100])('_entities with %i User representations costs one SELECT', async (count) => {
    const { accessToken } = await harness.createTestUser();
    const users = await Promise.all(Array.from({ length: count }, () => harness.createTestUser()));
    await harness.execute(ME, {}, accessToken); // warms the revocation list cache: not part of the cost
    harness.sql.length = 0;
    const result = await harness.execute(
      ENTITIES,
      { representations: users.map(({ user }) => ({ __typename: 'User', id: user.id })) },
      accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((user: { id: string }) => user.id)).toEqual(users.map(({ user }) => user.id));
    const statements = harness.sql.filter((line) => /\bselect\b/i.test(line));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('"account"');
  });

  test('_entities refuses an anonymous caller', async () => {
    const { user } = await harness.createTestUser();
    const result = await harness.execute(ENTITIES, { representations: [{ __typename: 'User', id: user.id }] });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data?._entities).toEqual([null]);
  });
});
