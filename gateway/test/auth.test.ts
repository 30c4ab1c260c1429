/**
 * Issue 3 through the whole stack (real processes from the `npm start` launcher, free ports, a
 * fresh database, SUBGRAPH_SECRET on): forged tokens, sessions, roles, deactivation, throttling,
 * as a client sees them at the gateway, and what each subgraph does when called directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_ADDRESS_HEADER, SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { forgedAccessTokens } from '@healthsync/orm/testing';
import { importJWK, type JWK } from 'jose';
import type { RunningStack } from '../src/stack/stack.js';
import { graphql, startTestStack, type TestStack, bearer, codeOf } from '../src/stack/test-stack.js';

const SECRET = 'an-end-to-end-subgraph-secret-0123456789';
const ADMIN = { email: 'root@example.org', password: 'the stack admin passphrase' };
const MAX_FAILURES = 3;
const MAX_ADDRESS_FAILURES = 20;

let testStack: TestStack;
let stack: RunningStack;
let urls: { gateway: string; users: string; patients: string };

beforeAll(async () => {
  testStack = await startTestStack({
    requireNginx: false,
    env: {
      SUBGRAPH_SECRET: SECRET,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_FAILURES),
      LOGIN_MAX_FAILURES_PER_ADDRESS: String(MAX_ADDRESS_FAILURES),
    },
  });
  stack = testStack.stack;
  urls = {
    gateway: stack.urls.gateway,
    users: stack.urls.subgraphs.users as string,
    patients: stack.urls.subgraphs.patients as string,
  };
}, 120_000);

afterAll(async () => {
  await testStack?.stop();
}, 60_000);

/** A direct call to a subgraph, as only the gateway may make it. */
const asGateway = (headers: Record<string, string> = {}) => ({ [SUBGRAPH_SECRET_HEADER]: SECRET, ...headers });

const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken refreshToken user { id email role } }
}`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } } }';
const REFRESH =
  'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { role } } }';
const LOGOUT = 'mutation Logout($t: String!) { logout(refreshToken: $t) }';
const SET_ROLE = 'mutation SetRole($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }';
const DEACTIVATE = 'mutation Deactivate($id: ID!) { deactivateUser(id: $id) { id active } }';
const CREATE_PATIENT = `mutation CreatePatient($input: CreatePatientInput!) {
  createPatient(input: $input) { id createdBy { email } }
}`;
const PATIENTS = '{ patients { totalCount } }';
const ME = '{ me { id role } }';

let counter = 0;
async function signUp(tag: string) {
  const email = `${tag}-${++counter}@example.org`;
  const result = await graphql(urls.gateway, SIGN_UP, {
    input: { email, password: 'a long and unguessable secret', name: tag },
  });
  expect(result.errors).toBeUndefined();
  return { email, password: 'a long and unguessable secret', ...result.data?.signUp };
}

async function adminToken(): Promise<string> {
  const login = await graphql(urls.gateway, LOGIN, { input: ADMIN });
  expect(login.errors).toBeUndefined();
  return login.data?.login.accessToken;
}

// First on purpose: the gateway's and the patients subgraph's revocation lists are still cold
// here, as they are at the latest a minute after a deactivation (orm/test/access-tokens.test.ts
// covers that bound with a clock); the admin acts on the users subgraph directly so as not to
// warm the gateway's copy.
describe('a deactivated user', () => {
  test('has their still-valid access token refused by the gateway and by each subgraph', async () => {
    const target = await signUp('deactivated');
    const login = await graphql(urls.users, LOGIN, { input: ADMIN }, asGateway());
    const deactivated = await graphql(
      urls.users,
      DEACTIVATE,
      { id: target.user.id },
      asGateway(bearer(login.data?.login.accessToken)),
    );
    expect(deactivated.data?.deactivateUser).toEqual({ id: target.user.id, active: false });

    const viaGateway = await graphql(urls.gateway, PATIENTS, {}, bearer(target.accessToken));
    expect([viaGateway.status, codeOf(viaGateway)]).toEqual([401, 'UNAUTHENTICATED']);
    for (const url of [urls.users, urls.patients]) {
      const direct = await graphql(url, '{ _service { sdl } }', {}, asGateway(bearer(target.accessToken)));
      expect([direct.status, codeOf(direct)]).toEqual([401, 'UNAUTHENTICATED']);
    }
    const refreshed = await graphql(urls.gateway, REFRESH, { t: target.refreshToken });
    expect(codeOf(refreshed)).toBe('UNAUTHENTICATED');
  });
});

describe('forged access tokens', () => {
  test('each is refused with HTTP 401 at the gateway, and by each subgraph called directly', async () => {
    const victim = await signUp('forged');
    const jwk = JSON.parse(
      readFileSync(path.join(testStack.dataDir, 'keys', 'current.private.jwk.json'), 'utf8'),
    ) as JWK;
    const { d: _private, ...publicJwk } = jwk;
    const { genuine, attacks } = await forgedAccessTokens(
      { privateKey: await importJWK(jwk, 'EdDSA'), publicJwk, kid: jwk.kid as string },
      { userId: victim.user.id, role: 'ADMIN' },
    );
    // The control: the same claims, correctly signed, pass everywhere.
    expect((await graphql(urls.gateway, ME, {}, bearer(genuine))).status).toBe(200);

    const tokens = { ...attacks, 'refresh token used as an access token': victim.refreshToken as string };
    for (const [attack, token] of Object.entries(tokens)) {
      for (const [where, url, query, headers] of [
        ['gateway', urls.gateway, PATIENTS, {}],
        ['users subgraph', urls.users, ME, asGateway()],
        ['patients subgraph', urls.patients, PATIENTS, asGateway()],
      ] as const) {
        const result = await graphql(url, query, {}, { ...headers, ...bearer(token) });
        expect({ attack, where, status: result.status, code: codeOf(result), data: result.data ?? null }).toEqual({
          attack,
          where,
          status: 401,
          code: 'UNAUTHENTICATED',
          data: null,
        });
      }
    }
  });

  test('subgraphs refuse callers without the subgraph secret, even with a valid token', async () => {
    const user = await signUp('secret');
    for (const url of [urls.users, urls.patients]) {
      const result = await graphql(url, '{ _service { sdl } }', {}, bearer(user.accessToken));
      expect([result.status, codeOf(result)]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });
});

describe('sessions through the gateway', () => {
  test('refresh rotates; reusing a used refresh token revokes the family, the newest one too', async () => {
    const user = await signUp('refresh');
    const first = await graphql(urls.gateway, REFRESH, { t: user.refreshToken });
    expect(first.errors).toBeUndefined();
    expect((await graphql(urls.gateway, ME, {}, bearer(first.data?.refreshSession.accessToken))).data?.me.id).toBe(
      user.user.id,
    );
    expect(codeOf(await graphql(urls.gateway, REFRESH, { t: user.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await graphql(urls.gateway, REFRESH, { t: first.data?.refreshSession.refreshToken }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  test('logout ends the session', async () => {
    const user = await signUp('logout');
    expect((await graphql(urls.gateway, LOGOUT, { t: user.refreshToken })).data?.logout).toBe(true);
    expect(codeOf(await graphql(urls.gateway, REFRESH, { t: user.refreshToken }))).toBe('UNAUTHENTICATED');
  });
});

describe('roles through the gateway', () => {
  test('a VIEWER calling a write is FORBIDDEN', async () => {
    const user = await signUp('viewer');
    const admin = await adminToken();
    expect(
      (await graphql(urls.gateway, SET_ROLE, { id: user.user.id, role: 'VIEWER' }, bearer(admin))).errors,
    ).toBeUndefined();
    const viewer = await graphql(urls.gateway, REFRESH, { t: user.refreshToken });
    expect(viewer.data?.refreshSession.user.role).toBe('VIEWER');
    const token = viewer.data?.refreshSession.accessToken;
    expect((await graphql(urls.gateway, PATIENTS, {}, bearer(token))).errors).toBeUndefined();
    const write = await graphql(
      urls.gateway,
      CREATE_PATIENT,
      { input: { givenName: 'Ada', familyName: 'Viewer', gender: 'FEMALE' } },
      bearer(token),
    );
    expect(codeOf(write)).toBe('FORBIDDEN');
  });

  test('a CLINICIAN calling an admin mutation is FORBIDDEN', async () => {
    const clinician = await signUp('clinician');
    expect(clinician.user.role).toBe('CLINICIAN');
    const result = await graphql(
      urls.gateway,
      SET_ROLE,
      { id: clinician.user.id, role: 'ADMIN' },
      bearer(clinician.accessToken),
    );
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect((await graphql(urls.gateway, ME, {}, bearer(clinician.accessToken))).data?.me.role).toBe('CLINICIAN');
  });

  test('anonymous _entities on the patients subgraph resolves nothing', async () => {
    const clinician = await signUp('entities');
    const created = await graphql(
      urls.gateway,
      CREATE_PATIENT,
      { input: { givenName: 'Grace', familyName: 'Entities', gender: 'FEMALE' } },
      bearer(clinician.accessToken),
    );
    expect(created.errors).toBeUndefined();
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id familyName } } }`;
    const representations = [{ __typename: 'Patient', id: created.data?.createPatient.id }];
    const anonymous = await graphql(urls.patients, query, { r: representations }, asGateway());
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.data?._entities ?? [null]).toEqual([null]);
    const signedIn = await graphql(
      urls.patients,
      query,
      { r: representations },
      asGateway(bearer(clinician.accessToken)),
    );
    expect(signedIn.data?._entities).toEqual([{ id: created.data?.createPatient.id, familyName: 'Entities' }]);
  });
});

describe("the gateway's entity cache (users only, private to each viewer)", () => {
  const CREATOR = 'query Creator($id: ID!) { patient(id: $id) { createdBy { id role } } }';

  /** A signed-up user made ADMIN (only admins, and the user themself, see a User's role). */
  async function signUpAdmin(tag: string) {
    const user = await signUp(tag);
    const admin = await adminToken();
    expect(
      (await graphql(urls.gateway, SET_ROLE, { id: user.user.id, role: 'ADMIN' }, bearer(admin))).errors,
    ).toBeUndefined();
    const refreshed = await graphql(urls.gateway, REFRESH, { t: user.refreshToken });
    return { ...user, accessToken: refreshed.data?.refreshSession.accessToken as string };
  }

  test('a viewer is shown a User from memory within the TTL; no-cache, and any other viewer, get it fresh', async () => {
    const author = await signUp('author');
    const reader = await signUpAdmin('reader');
    const other = await signUpAdmin('other-reader');
    const created = await graphql(
      urls.gateway,
      CREATE_PATIENT,
      { input: { givenName: 'Mary', familyName: 'Cached', gender: 'FEMALE' } },
      bearer(author.accessToken),
    );
    expect(created.errors).toBeUndefined();
    const id = created.data?.createPatient.id;
    const roleSeenBy = async (token: string, headers: Record<string, string> = {}) => {
      const result = await graphql(urls.gateway, CREATOR, { id }, { ...bearer(token), ...headers });
      expect(result.errors).toBeUndefined();
      return result.data?.patient.createdBy.role;
    };
    expect(await roleSeenBy(reader.accessToken)).toBe('CLINICIAN');

    const admin = await adminToken();
    const changed = await graphql(urls.gateway, SET_ROLE, { id: author.user.id, role: 'VIEWER' }, bearer(admin));
    expect(changed.errors).toBeUndefined();

    // Another viewer never gets what is kept for the reader…
    expect(await roleSeenBy(other.accessToken)).toBe('VIEWER');
    // …while within the TTL (10 s by default) the reader is shown what it was shown before,
    expect(await roleSeenBy(reader.accessToken)).toBe('CLINICIAN');
    // unless it asks for a fresh answer, which then replaces what is kept for it.
    expect(await roleSeenBy(reader.accessToken, { 'cache-control': 'no-cache' })).toBe('VIEWER');
    expect(await roleSeenBy(reader.accessToken)).toBe('VIEWER');
  });
});

describe('who sees whom through the gateway', () => {
  const AUTHOR =
    'query Author($id: ID!) { patient(id: $id) { createdBy { id name email role state active lastLoginAt } } }';

  test('a User beside a record shows id and name to everyone; the rest to an admin and the user themself, whoever asked first', async () => {
    const author = await signUp('visible-author');
    const clinician = await signUp('visible-reader');
    const created = await graphql(
      urls.gateway,
      CREATE_PATIENT,
      { input: { givenName: 'Rosalind', familyName: 'Visible', gender: 'FEMALE' } },
      bearer(author.accessToken),
    );
    const id = created.data?.createPatient.id;
    const createdBy = async (token: string) => {
      const result = await graphql(urls.gateway, AUTHOR, { id }, bearer(token));
      expect(result.errors).toBeUndefined();
      return result.data?.patient.createdBy;
    };
    const whole = {
      id: author.user.id,
      name: 'visible-author',
      email: author.email,
      role: 'CLINICIAN',
      state: 'ACTIVE',
      active: true,
    };
    const admin = await adminToken();
    // Twice each, interleaved: the second read of each comes from the gateway's entity cache.
    for (let round = 0; round < 2; round++) {
      expect(await createdBy(admin)).toMatchObject(whole);
      expect(await createdBy(author.accessToken)).toMatchObject(whole);
      expect(await createdBy(clinician.accessToken)).toEqual({
        id: author.user.id,
        name: 'visible-author',
        email: null,
        role: null,
        state: null,
        active: null,
        lastLoginAt: null,
      });
    }
  });
});

describe('sign-in through the gateway', () => {
  test('unknown email and wrong password get identical answers', async () => {
    const user = await signUp('enumeration');
    const wrong = await graphql(urls.gateway, LOGIN, { input: { email: user.email, password: 'not the password!' } });
    const unknown = await graphql(urls.gateway, LOGIN, {
      input: { email: 'nobody@example.org', password: 'not the password!' },
    });
    // Byte for byte (each response's own request id aside).
    expect([wrong.status, wrong.text]).toEqual([unknown.status, unknown.text]);
    expect(wrong.status).toBe(200);
    expect(wrong.errors?.[0]).toMatchObject({ message: 'Invalid email or password', path: ['login'] });
    expect(wrong.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  test(`after ${MAX_FAILURES} failures, aliases included, the account answers RATE_LIMITED with a retry-after hint`, async () => {
    const user = await signUp('throttle');
    const aliases = Array.from(
      { length: MAX_FAILURES + 2 },
      (_, i) => `a${i}: login(input: { email: $email, password: "guess number ${i}" }) { accessToken }`,
    );
    const guess = `mutation Guess($email: EmailAddress!) { ${aliases.join(' ')} }`;
    const codes: unknown[] = [];
    for (let request = 0; request < MAX_FAILURES + 1; request++) {
      const result = await graphql(urls.gateway, guess, { email: user.email });
      codes.push(...(result.errors ?? []).map((error) => error.extensions?.code));
    }
    expect(codes.slice(0, MAX_FAILURES)).toEqual(Array(MAX_FAILURES).fill('UNAUTHENTICATED'));
    expect(codes.slice(MAX_FAILURES)).toEqual(['RATE_LIMITED']);
    const right = await graphql(urls.gateway, LOGIN, { input: { email: user.email, password: user.password } });
    expect(right.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
  });

  test('the gateway passes the client address on: one client locked out does not lock out another', async () => {
    const user = await signUp('addresses');
    // The users subgraph trusts the gateway's word for the address (the request carries the secret).
    for (let attempt = 0; attempt < MAX_ADDRESS_FAILURES; attempt++) {
      await graphql(
        urls.users,
        LOGIN,
        { input: { email: `spray-${attempt}@example.org`, password: 'not the password!' } },
        asGateway({ [CLIENT_ADDRESS_HEADER]: '203.0.113.7' }),
      );
    }
    const sprayer = await graphql(
      urls.users,
      LOGIN,
      { input: { email: user.email, password: user.password } },
      asGateway({ [CLIENT_ADDRESS_HEADER]: '203.0.113.7' }),
    );
    expect(codeOf(sprayer)).toBe('RATE_LIMITED');
    const someoneElse = await graphql(urls.gateway, LOGIN, { input: { email: user.email, password: user.password } });
    expect(someoneElse.errors).toBeUndefined();
  });
});
