import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createAccessTokenVerifier,
  createRemoteRevocations,
  type RevocationSource,
  revocationsUrlFor,
} from '@healthsync/orm/auth';
import { createLogger } from '@healthsync/orm';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { ensureFirstAdmin } from '../src/admins.js';
import { createUsersHarness, startUsersHttp, testUsersConfig, type UsersHarness } from './harness.js';

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

const USER = 'query User($id: ID!) { user(id: $id) { id name email role state active lastLoginAt } }';
const USERS = `query Users($first: Int, $after: String) {
  users(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount }
}`;
const SET_ROLE = 'mutation SetRole($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }';
const DEACTIVATE = 'mutation Deactivate($id: ID!) { deactivateUser(id: $id) { id active } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { accessToken user { role } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }';
const ME = '{ me { id role } }';
const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;

describe('roles', () => {
  test('user(id): yourself and an admin see it all; anybody else is refused', async () => {
    const clinician = await harness.createTestUser({ role: 'CLINICIAN' });
    const other = await harness.createTestUser({ role: 'VIEWER' });
    const everything = {
      id: other.user.id,
      name: 'Test User',
      email: other.user.email,
      role: 'VIEWER',
      state: 'ACTIVE',
      active: true,
      lastLoginAt: null,
    };
    const seenBy = async (token?: string) => await harness.execute(USER, { id: other.user.id }, token);
    expect((await seenBy(other.accessToken)).data?.user).toEqual(everything);
    expect((await seenBy(admin.accessToken)).data?.user).toEqual(everything);
    expect(codeOf(await seenBy(clinician.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await seenBy())).toBe('UNAUTHENTICATED');
  });

  test('users: admins page through every account with a keyset cursor', async () => {
    await Promise.all([1, 2, 3].map(() => harness.createTestUser()));
    const all = await harness.execute(USERS, { first: 100 }, admin.accessToken);
    expect(all.errors).toBeUndefined();
    const ids = all.data?.users.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
    expect(all.data?.users.totalCount).toBe(ids.length);

    const first = await harness.execute(USERS, { first: 2 }, admin.accessToken);
    expect(first.data?.users.pageInfo.hasNextPage).toBe(true);
    const second = await harness.execute(
      USERS,
      { first: 2, after: first.data?.users.pageInfo.endCursor },
      admin.accessToken,
    );
    const paged = [...(first.data?.users.edges ?? []), ...(second.data?.users.edges ?? [])].map(
      (edge: { node: { id: string } }) => edge.node.id,
    );
    expect(paged).toEqual(ids.slice(0, 4));
    expect(codeOf(await harness.execute(USERS, { first: 101 }, admin.accessToken))).toBe('BAD_USER_INPUT');
    expect(codeOf(await harness.execute(USERS, { after: 'garbage' }, admin.accessToken))).toBe('BAD_USER_INPUT');
  });

  test.each(['CLINICIAN', 'VIEWER'] as const)(
    'a %s calling the admin API is FORBIDDEN and changes nothing',
    async (role) => {
      const caller = await harness.createTestUser({ role });
      const target = await harness.createTestUser({ role: 'VIEWER' });
      expect(codeOf(await harness.execute(USERS, {}, caller.accessToken))).toBe('FORBIDDEN');
      expect(codeOf(await harness.execute(SET_ROLE, { id: caller.user.id, role: 'ADMIN' }, caller.accessToken))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await harness.execute(DEACTIVATE, { id: target.user.id }, caller.accessToken))).toBe('FORBIDDEN');
      const check = await harness.execute(USER, { id: caller.user.id }, admin.accessToken);
      expect(check.data?.user).toMatchObject({ role, active: true });
    },
  );

  test('anonymous callers of the admin API are UNAUTHENTICATED', async () => {
    expect(codeOf(await harness.execute(SET_ROLE, { id: admin.user.id, role: 'VIEWER' }))).toBe('UNAUTHENTICATED');
  });

  test('setUserRole: the old token (old role) stops working; a refresh carries the new role', async () => {
    const target = await harness.createTestUser({ role: 'CLINICIAN' });
    const result = await harness.execute(SET_ROLE, { id: target.user.id, role: 'VIEWER' }, admin.accessToken);
    expect(result.data?.setUserRole).toEqual({ id: target.user.id, role: 'VIEWER' });
    expect(codeOf(await harness.execute(ME, {}, target.accessToken))).toBe('UNAUTHENTICATED');
    const refreshed = await harness.execute(REFRESH, { t: target.refreshToken });
    expect(refreshed.data?.refreshSession.user.role).toBe('VIEWER');
    expect((await harness.execute(ME, {}, refreshed.data?.refreshSession.accessToken)).data?.me).toEqual({
      id: target.user.id,
      role: 'VIEWER',
    });
  });

  test('an admin cannot demote or deactivate themself; unknown ids are NOT_FOUND', async () => {
    const demote = await harness.execute(SET_ROLE, { id: admin.user.id, role: 'CLINICIAN' }, admin.accessToken);
    expect(codeOf(demote)).toBe('BAD_USER_INPUT');
    expect(codeOf(await harness.execute(DEACTIVATE, { id: admin.user.id }, admin.accessToken))).toBe('BAD_USER_INPUT');
    const missing = await harness.execute(
      DEACTIVATE,
      { id: '00000000-0000-4000-8000-000000000000' },
      admin.accessToken,
    );
    expect(codeOf(missing)).toBe('NOT_FOUND');
  });
});

describe('deactivateUser', () => {
  test('revokes sessions; the still-valid access token is refused here and by a service verifying remotely', async () => {
    const target = await harness.createTestUser({ role: 'CLINICIAN' });
    const http = await startUsersHttp(database, { KEYS_DIR: harness.config.KEYS_DIR });
    const opened: RevocationSource[] = [];
    try {
      // What the patients subgraph and the gateway build: JWKS + revocation list over HTTP.
      const jwksUrl = `${http.origin}/.well-known/jwks.json`;
      const remoteVerifier = () => {
        const revocations = createRemoteRevocations(revocationsUrlFor(jwksUrl), { stream: false });
        opened.push(revocations);
        const { JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = harness.config;
        return createAccessTokenVerifier({ keys: jwksUrl, issuer, audience, revocations });
      };
      const remote = remoteVerifier();
      await expect(remote(target.accessToken)).resolves.toMatchObject({ userId: target.user.id });

      const result = await harness.execute(DEACTIVATE, { id: target.user.id }, admin.accessToken);
      expect(result.data?.deactivateUser).toEqual({ id: target.user.id, active: false });

      expect(codeOf(await harness.execute(ME, {}, target.accessToken))).toBe('UNAUTHENTICATED');
      expect(codeOf(await harness.execute(REFRESH, { t: target.refreshToken }))).toBe('UNAUTHENTICATED');
      const login = await harness.execute(LOGIN, { input: { email: target.user.email, password: target.password } });
      expect(login.errors?.[0]).toMatchObject({ message: 'Invalid email or password' });

      // A fresh remote verifier (as another replica after at most a minute) refuses it too.
      const later = remoteVerifier();
      await expect(later(target.accessToken)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      await expect(later(admin.accessToken)).resolves.toMatchObject({ role: 'ADMIN' });
    } finally {
      for (const revocations of opened) revocations.close();
      await http.server.stop();
    }
  });
});

describe('the first admin', () => {
  test('ADMIN_EMAIL/ADMIN_PASSWORD create one at start only when no active admin exists', async () => {
    const fresh = await createTestDatabase();
    const first = await createUsersHarness(fresh);
    try {
      const logger = createLogger('users', 'silent');
      const config = testUsersConfig(fresh, {
        ADMIN_EMAIL: 'root@example.org',
        ADMIN_PASSWORD: 'the first admin passphrase',
      });
      await ensureFirstAdmin(first.orm.em.fork(), first.services.passwords, config, logger);
      const second = testUsersConfig(fresh, {
        ADMIN_EMAIL: 'other@example.org',
        ADMIN_PASSWORD: 'another passphrase!',
      });
      await ensureFirstAdmin(first.orm.em.fork(), first.services.passwords, second, logger);
      const { rows } = await first.adminQuery("SELECT email FROM users.account WHERE role = 'ADMIN'");
      expect(rows).toEqual([{ email: 'root@example.org' }]);
      const login = await first.execute(LOGIN, {
        input: { email: 'root@example.org', password: 'the first admin passphrase' },
      });
      expect(login.errors).toBeUndefined();
    } finally {
      await first.stop();
      await fresh.drop();
    }
  });

  test('ADMIN_EMAIL without ADMIN_PASSWORD is a configuration error', () => {
    expect(() => testUsersConfig(database, { ADMIN_EMAIL: 'root@example.org' })).toThrow(/ADMIN_PASSWORD/);
  });
});

describe('npm run users:create-admin', () => {
  // Each run is a process of its own (tsx, migrations, the password dictionaries, argon2).
  jest.setTimeout(90_000);
  const cli = fileURLToPath(new URL('../src/cli/create-admin.ts', import.meta.url));
  const run = (args: string[], stdin: string, env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', cli, ...args],
        { env: { PATH: process.env.PATH, DATABASE_URL: database.adminUrl, ...env } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin);
    });

  test('reads the password from stdin and makes an active admin who can sign in', async () => {
    const result = await run(['--email', 'cli-admin@example.org', '--name', 'CLI Admin'], 'a piped admin passphrase\n');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^created admin cli-admin@example.org/);
    const login = await harness.execute(LOGIN, {
      input: { email: 'cli-admin@example.org', password: 'a piped admin passphrase' },
    });
    const me = await harness.execute(ME, {}, login.data?.login.accessToken);
    expect(me.data?.me.role).toBe('ADMIN');
  });

  test('refuses a password on the command line, and a weak password', async () => {
    const argv = await run(['--email', 'x@example.org', '--password', 'a visible passphrase'], '');
    expect(argv.code).toBe(1);
    expect(argv.stderr).toMatch(/^refusing --password: .* never on the command line\n$/);
    const weak = await run(['--email', 'y@example.org'], '', { ADMIN_PASSWORD: 'short' });
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim()).toBe('Password must be 12 to 128 characters long');
    // The same rule as signUp and changePassword: here, the service's own name.
    const guessable = await run(['--email', 'z@example.org'], '', { ADMIN_PASSWORD: 'healthsync-admin' });
    expect(guessable.code).toBe(1);
    expect(guessable.stderr.trim()).toBe(
      "This password is built from the service's name or your own email or name; choose another one",
    );
  });
});
