// @ts-nocheck
import { createHash } from 'node:crypto';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initUsersOrm } from '../src/server.js';
import { createLoginThrottle, createSignUpThrottle, type LoginThrottle, type SignUpThrottle } from '../src/throttle.js';
import { testUsersConfig } from './harness.js';

const WINDOW_SECONDS = 600;
const SIGNUP_WINDOW_SECONDS = 300;

let database: TestDatabase;
let orm: MikroORM;
let login: LoginThrottle;
let signUp: SignUpThrottle;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testUsersConfig(database, {
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '4',
    LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    SIGNUP_MAX_PER_ADDRESS: '2',
    SIGNUP_WINDOW_SECONDS: String(SIGNUP_WINDOW_SECONDS),
  });
  orm = await initUsersOrm(config);
  const knex = orm.em.getConnection().getKnex();
  login = createLoginThrottle(knex, config);
  signUp = createSignUpThrottle(knex, config);
});
afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

let addresses = 0;
const nextAddress = () => `198.51.100.${++addresses}`;

/** The error an attempt was refused with (undefined when it was let through). */
const refusal = (attempt: Promise<void>) =>
  attempt.then(
    () => undefined,
    (error: unknown) => error,
  );
const rateLimited = (retryAfter: unknown = expect.any(Number)) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', retryAfter }) });

/** Moves a counter's end `seconds` from now, as if its window had started earlier. */
const endCounterIn = (key: string, seconds: number) =>
  withClient(database.adminUrl, (client) =>
    client.query('UPDATE users.login_throttle SET expire = $2 WHERE key = $1', [key, Date.now() + seconds * 1000]),
  );

describe('sign-in throttle', () => {
  test('one email in any capitalisation, with or without spaces around it, is one counter', async () => {
    expect(await refusal(login.attempt('Shared.Counter@Example.org', nextAddress()))).toBeUndefined();
    expect(await refusal(login.attempt('  shared.counter@example.ORG ', nextAddress()))).toBeUndefined();
    expect(await refusal(login.attempt('SHARED.COUNTER@EXAMPLE.ORG', nextAddress()))).toEqual(
      rateLimited(WINDOW_SECONDS),
    );
    // Another email has its own counter.
    expect(await refusal(login.attempt('shared.counter2@example.org', nextAddress()))).toBeUndefined();
  });

  test('the address has its own limit, whatever the emails', async () => {
    const address = nextAddress();
    for (let i = 0; i < 4; i++) expect(await refusal(login.attempt(`spray${i}@example.org`, address))).toBeUndefined();
    expect(await refusal(login.attempt('spray-last@example.org', address))).toEqual(rateLimited(WINDOW_SECONDS));
    expect(await refusal(login.attempt('spray-last@example.org', nextAddress()))).toBeUndefined();
  });

  test('over both limits, the hint is the longer of the two waits, in whole seconds', async () => {
    const address = nextAddress();
    for (let i = 0; i < 4; i++) await login.attempt(`both${i}@example.org`, address);
    await login.attempt('both@example.org', nextAddress());
    await login.attempt('both@example.org', nextAddress());
    await endCounterIn(`address:${address}`, 5);
    expect(await refusal(login.attempt('both@example.org', address))).toEqual(rateLimited(WINDOW_SECONDS));
    // Under a second left still says "1 s", never 0.
    const other = nextAddress();
    for (let i = 0; i < 5; i++) await refusal(login.attempt(`soon${i}@example.org`, other));
    await endCounterIn(`address:${other}`, 0.2);
    expect(await refusal(login.attempt('soon-last@example.org', other))).toEqual(rateLimited(1));
  });

  test('a success clears the account counter and gives the address one point back', async () => {
    const address = nextAddress();
    await login.attempt('comeback@example.org', address);
    await login.attempt('comeback@example.org', address);
    await login.succeeded('Comeback@Example.org', address);
    expect(await refusal(login.attempt('comeback@example.org', address))).toBeUndefined();
    expect(await refusal(login.attempt('comeback@example.org', address))).toBeUndefined();
    // The address had 4 points used, one given back: one more attempt fits, the next does not.
    expect(await refusal(login.attempt('other@example.org', address))).toBeUndefined();
    expect(await refusal(login.attempt('other2@example.org', address))).toEqual(rateLimited());
  });

  test('the shared table holds one row per counter, by kind, and the digest of the email, never the email', async () => {
    const address = nextAddress();
    await login.attempt(' Keyed@Example.org', address);
    await signUp.attempt(address);
    const digest = createHash('sha256').update('keyed@example.org').digest('hex');
    const { rows } = await withClient(database.adminUrl, (client) =>
      client.query('SELECT key, points FROM users.login_throttle WHERE key = ANY($1) ORDER BY key', [
        [`account:${digest}`, `address:${address}`, `signup:${address}`],
      ]),
    );
    expect(rows).toEqual([
      { key: `account:${digest}`, points: 1 },
      { key: `address:${address}`, points: 1 },
      { key: `signup:${address}`, points: 1 },
    ]);
  });

  test('a failing store is an error, not a limit and not a pass', async () => {
    const config = testUsersConfig(database);
    const closed = await initUsersOrm(config);
    const throttle = createLoginThrottle(closed.em.getConnection().getKnex(), config);
    await closed.close();
    const error = await refusal(throttle.attempt('store@example.org', nextAddress()));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toEqual(rateLimited());
  });
});

describe('sign-up throttle', () => {
  test('counts every attempt per address over its own window', async () => {
    const address = nextAddress();
    expect(await refusal(signUp.attempt(address))).toBeUndefined();
    expect(await refusal(signUp.attempt(address))).toBeUndefined();
    expect(await refusal(signUp.attempt(address))).toEqual(rateLimited(SIGNUP_WINDOW_SECONDS));
    expect(await refusal(signUp.attempt(nextAddress()))).toBeUndefined();
    // Sign-ups and sign-ins from one address are counted apart.
    expect(await refusal(login.attempt('signup-then-login@example.org', address))).toBeUndefined();
  });
});
