import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import argon2 from 'argon2';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { ARGON2_OPTIONS } from '../src/passwords.js';
import { createUsersHarness, type GraphQLResult, type UsersHarness } from './harness.js';

const MAX_PER_ACCOUNT = 3;
const MAX_PER_ADDRESS = 10;

let database: TestDatabase;
let harness: UsersHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database, {
    LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_PER_ACCOUNT),
    LOGIN_MAX_FAILURES_PER_ADDRESS: String(MAX_PER_ADDRESS),
  });
});
afterAll(async () => {
  await harness?.stop();
  await database?.drop();
});

const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }';
const SIGN_UP = 'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { user { id } } }';
const codes = (result: GraphQLResult) => (result.errors ?? []).map((error) => error.extensions?.code);
let address = 0;
/** A distinct client address per test, so that tests do not share the per-address counter. */
const nextAddress = () => `198.51.100.${++address}`;

describe('passwords', () => {
  test.each([
    ['11 characters', 'abcdefghijk'],
    ['129 characters', 'x'.repeat(129)],
    ['a common password', 'qwerty123456'],
    ['a common password in other case', 'QWERTY123456'],
  ])('%s is refused with BAD_USER_INPUT on the password field', async (_case, password) => {
    const result = await harness.execute(SIGN_UP, {
      input: { email: `weak-${Math.random()}@example.org`, password, name: 'Weak' },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  test('12 and 128 characters are accepted', async () => {
    for (const password of ['twelve chars', randomBytes(96).toString('base64')]) {
      const result = await harness.execute(SIGN_UP, {
        input: { email: `ok-${Math.random()}@example.org`, password, name: 'Ok' },
      });
      expect(result.errors).toBeUndefined();
    }
  });

  test('a hash made with weaker parameters is upgraded on the next login', async () => {
    const { user, password } = await harness.createTestUser();
    const weak = await argon2.hash(password, { ...ARGON2_OPTIONS, memoryCost: 8192, timeCost: 1 });
    await harness.adminQuery('UPDATE users.account SET password_hash = $1 WHERE id = $2', [weak, user.id]);
    const login = await harness.execute(LOGIN, { input: { email: user.email, password } }, undefined, {
      ip: nextAddress(),
    });
    expect(login.errors).toBeUndefined();
    const { rows } = await harness.adminQuery('SELECT password_hash FROM users.account WHERE id = $1', [user.id]);
    expect(rows[0].password_hash).not.toBe(weak);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(argon2.needsRehash(rows[0].password_hash, ARGON2_OPTIONS)).toBe(false);
  });
});

describe('enumeration', () => {
  test('unknown email and wrong password get the same answer', async () => {
    const { user } = await harness.createTestUser();
    const wrong = await harness.execute(
      LOGIN,
      { input: { email: user.email, password: 'not the password!' } },
      undefined,
      {
        ip: nextAddress(),
      },
    );
    const unknown = await harness.execute(
      LOGIN,
      { input: { email: 'nobody-here@example.org', password: 'not the password!' } },
      undefined,
      { ip: nextAddress() },
    );
    expect(wrong).toEqual(unknown);
    expect(wrong.errors?.[0]).toMatchObject({
      message: 'Invalid email or password',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  test('an unknown email still costs one argon2 verification (against a dummy hash) in the hashing process', async () => {
    const { pid } = await harness.services.passwords.hashingProcess();
    /** CPU time (ms) the hashing process has used: user + system from /proc. */
    const cpuMs = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
    };
    expect(await harness.services.passwords.verify(undefined, 'whatever password')).toBe(false); // makes the dummy hash
    const before = cpuMs();
    expect(await harness.services.passwords.verify(undefined, 'whatever password')).toBe(false);
    // argon2id at 19 MiB, t=2 is tens of ms of CPU; a look-up that skipped it would cost next to nothing.
    expect(cpuMs() - before).toBeGreaterThanOrEqual(10);
  });
});

describe('throttling', () => {
  const fail = (email: string, ip: string) =>
    harness.execute(LOGIN, { input: { email, password: 'not the password!' } }, undefined, { ip });

  test(`after ${MAX_PER_ACCOUNT} failures the account answers RATE_LIMITED with a retry-after hint, even to the right password`, async () => {
    const { user, password } = await harness.createTestUser();
    for (let attempt = 0; attempt < MAX_PER_ACCOUNT; attempt++) {
      expect(codes(await fail(user.email, nextAddress()))).toEqual(['UNAUTHENTICATED']);
    }
    const limited = await fail(user.email, nextAddress());
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    const retryAfter = limited.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(harness.config.LOGIN_FAILURE_WINDOW_SECONDS);
    const right = await harness.execute(LOGIN, { input: { email: user.email, password } }, undefined, {
      ip: nextAddress(),
    });
    expect(codes(right)).toEqual(['RATE_LIMITED']);
  });

  test('an unknown email is throttled exactly like a known one', async () => {
    for (let attempt = 0; attempt < MAX_PER_ACCOUNT; attempt++) await fail('ghost@example.org', nextAddress());
    expect(codes(await fail('ghost@example.org', nextAddress()))).toEqual(['RATE_LIMITED']);
  });

  test('aliases in one request count one attempt each, and never get past the limit', async () => {
    const { user } = await harness.createTestUser();
    const aliases = Array.from(
      { length: MAX_PER_ACCOUNT + 2 },
      (_, i) => `a${i}: login(input: { email: $email, password: "not the password ${i}" }) { accessToken }`,
    );
    const guess = `mutation Guess($email: EmailAddress!) { ${aliases.join(' ')} }`;
    const key = `account:${createHash('sha256').update(user.email.toLowerCase()).digest('hex')}`;
    const counted = async () =>
      (await harness.adminQuery('SELECT points FROM users.login_throttle WHERE key = $1', [key])).rows[0]?.points ?? 0;

    // Mutation fields run one after another; a failed non-null login ends the request, so an
    // alias that ran is an attempt counted, and the ones after it never ran.
    const refused: unknown[] = [];
    for (let request = 0; request < MAX_PER_ACCOUNT + 2; request++) {
      const result = await harness.execute(guess, { email: user.email }, undefined, { ip: nextAddress() });
      refused.push(...codes(result));
      expect(await counted()).toBe(refused.length);
    }
    expect(refused.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(MAX_PER_ACCOUNT);
    expect(refused.slice(MAX_PER_ACCOUNT).every((code) => code === 'RATE_LIMITED')).toBe(true);
  });

  test(`one address failing against many accounts is stopped after ${MAX_PER_ADDRESS}`, async () => {
    const ip = nextAddress();
    for (let attempt = 0; attempt < MAX_PER_ADDRESS; attempt++) {
      expect(codes(await fail(`spray-${attempt}@example.org`, ip))).toEqual(['UNAUTHENTICATED']);
    }
    expect(codes(await fail('spray-last@example.org', ip))).toEqual(['RATE_LIMITED']);
    // Other addresses are not affected.
    const { user, password } = await harness.createTestUser();
    const other = await harness.execute(LOGIN, { input: { email: user.email, password } }, undefined, {
      ip: nextAddress(),
    });
    expect(other.errors).toBeUndefined();
  });

  test('the lock is a backoff, not permanent: once the window has passed the owner signs in', async () => {
    const { user, password } = await harness.createTestUser();
    for (let attempt = 0; attempt <= MAX_PER_ACCOUNT; attempt++) await fail(user.email, nextAddress());
    const login = () =>
      harness.execute(LOGIN, { input: { email: user.email, password } }, undefined, { ip: nextAddress() });
    expect(codes(await login())).toEqual(['RATE_LIMITED']);
    // The window passing, without waiting for it: every counter's end moved to the past.
    await harness.adminQuery('UPDATE users.login_throttle SET expire = $1', [Date.now() - 1]);
    expect((await login()).errors).toBeUndefined();
  });

  test('a success clears the account counter, so earlier typos do not add up', async () => {
    const { user, password } = await harness.createTestUser();
    for (let round = 0; round < 2; round++) {
      for (let attempt = 0; attempt < MAX_PER_ACCOUNT - 1; attempt++) await fail(user.email, nextAddress());
      const ok = await harness.execute(LOGIN, { input: { email: user.email, password } }, undefined, {
        ip: nextAddress(),
      });
      expect(ok.errors).toBeUndefined();
    }
  });

  test('the throttle table holds no email address', async () => {
    const { rows } = await harness.adminQuery("SELECT key FROM users.login_throttle WHERE key LIKE '%@%'");
    expect(rows).toEqual([]);
  });
});
