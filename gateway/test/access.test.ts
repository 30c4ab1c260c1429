/**
 * Issue 12 through the public edge (nginx) of a whole stack in SIGNUP_MODE=approval, as a
 * clinic would deploy it: a new account waits for an admin, reads nothing meanwhile; revocations
 * reach the gateway and the patients subgraph within 2 s; the auth trail records it all.
 */
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { type GraphQLResponse, graphql, useTestStack, bearer, codeOf } from '../src/stack/test-stack.js';

const SECRET = 'an-access-test-subgraph-secret-0123456789';
const ADMIN = { email: 'clinic-admin@example.org', password: 'the clinic admin passphrase' };
const PASSWORD = 'a quiet harbour at dawn';

const testStack = useTestStack({
  env: { SIGNUP_MODE: 'approval', SUBGRAPH_SECRET: SECRET, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
});
const edge = () => testStack().edge;

const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken refreshToken tokenType expiresIn user { id name email role state active } }
}`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';
const ME = '{ me { id state role } }';
const PATIENTS = '{ patients { totalCount } }';
const NL_SEARCH = '{ patientSearch(query: "women over 60") { patients { totalCount } } }';
const CREATE_PATIENT = `mutation CreatePatient($input: CreatePatientInput!) { createPatient(input: $input) { id } }`;
const PENDING = '{ users(filter: { state: PENDING }) { edges { node { id email state } } totalCount } }';
const APPROVE = 'mutation Approve($id: ID!, $role: Role!) { approveUser(id: $id, role: $role) { id state role } }';
const SET_ROLE = 'mutation SetRole($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id } }';
const DEACTIVATE = 'mutation Deactivate($id: ID!) { deactivateUser(id: $id) { id } }';
const CHANGE_PASSWORD =
  'mutation Change($old: String!, $new: String!) { changePassword(currentPassword: $old, newPassword: $new) }';
const AUTH_EVENTS = `query Events($userId: ID) {
  authEvents(filter: { userId: $userId }, first: 100) { edges { node { action outcome actorId targetUserId requestId clientAddress } } totalCount }
}`;

let counter = 0;
const nextEmail = (tag: string) => `${tag}-${++counter}@example.org`;

async function adminToken(): Promise<string> {
  const login = await graphql(edge(), LOGIN, { input: ADMIN });
  expect(login.errors).toBeUndefined();
  return login.data?.login.accessToken;
}

/** A signed-up account, approved as `role` and signed in again: what a clinic's staff member has. */
async function approvedUser(tag: string, role = 'CLINICIAN') {
  const email = nextEmail(tag);
  const signUp = await graphql(edge(), SIGN_UP, { input: { email, password: PASSWORD, name: tag } });
  expect(signUp.errors).toBeUndefined();
  const id = signUp.data?.signUp.user.id as string;
  expect((await graphql(edge(), APPROVE, { id, role }, bearer(await adminToken()))).errors).toBeUndefined();
  const login = await graphql(edge(), LOGIN, { input: { email, password: PASSWORD } });
  return { id, email, accessToken: login.data?.login.accessToken as string };
}

/**
 * How long after `revoke` resolved `token` is refused (401) at `url`, asking every 25 ms; fails
 * after 10 s. The token was read with first, so that every cache on the way holds it as valid.
 */
async function refusedAfter(url: string, token: string, revoke: () => Promise<void>, headers = {}) {
  const read = () => graphql(url, PATIENTS, {}, { ...headers, ...bearer(token) });
  expect((await read()).status).toBe(200);
  await revoke();
  const revoked = performance.now();
  for (;;) {
    const result = await read();
    if (result.status === 401) return performance.now() - revoked;
    if (performance.now() - revoked > 10_000) throw new Error('the token was still accepted after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('sign-up by approval (SIGNUP_MODE=approval)', () => {
  test('a new account is PENDING: it signs in and sees itself, and every patient read or write is FORBIDDEN', async () => {
    const email = nextEmail('pending');
    const signUp = await graphql(edge(), SIGN_UP, { input: { email, password: PASSWORD, name: 'Pending Person' } });
    expect(signUp.errors).toBeUndefined();
    expect(signUp.data?.signUp.user).toMatchObject({ email, state: 'PENDING', role: null, active: false });
    const token = signUp.data?.signUp.accessToken as string;
    expect((await graphql(edge(), ME, {}, bearer(token))).data?.me).toEqual({
      id: signUp.data?.signUp.user.id,
      state: 'PENDING',
      role: null,
    });
    const login = await graphql(edge(), LOGIN, { input: { email, password: PASSWORD } });
    expect(login.errors).toBeUndefined();
    for (const token of [signUp.data?.signUp.accessToken, login.data?.login.accessToken]) {
      const read = await graphql(edge(), PATIENTS, {}, bearer(token));
      expect([read.status, codeOf(read), read.data?.patients ?? null]).toEqual([200, 'FORBIDDEN', null]);
      const write = await graphql(
        edge(),
        CREATE_PATIENT,
        { input: { givenName: 'Not', familyName: 'Allowed', gender: 'UNKNOWN' } },
        bearer(token),
      );
      expect(codeOf(write)).toBe('FORBIDDEN');
      expect(codeOf(await graphql(edge(), NL_SEARCH, {}, bearer(token)))).toBe('FORBIDDEN');
      // Nor other people's accounts, nor the admin API.
      expect(codeOf(await graphql(edge(), PENDING, {}, bearer(token)))).toBe('FORBIDDEN');
    }
  });

  test('an admin lists who waits and approves with a role; the next refresh reads and writes patients', async () => {
    const email = nextEmail('waiting');
    const signUp = await graphql(edge(), SIGN_UP, { input: { email, password: PASSWORD, name: 'Waiting' } });
    const id = signUp.data?.signUp.user.id as string;
    const admin = await adminToken();
    const waiting = await graphql(edge(), PENDING, {}, bearer(admin));
    expect(waiting.data?.users.edges.map((edge: { node: unknown }) => edge.node)).toContainEqual({
      id,
      email,
      state: 'PENDING',
    });
    const approved = await graphql(edge(), APPROVE, { id, role: 'CLINICIAN' }, bearer(admin));
    expect(approved.data?.approveUser).toEqual({ id, state: 'ACTIVE', role: 'CLINICIAN' });
    expect(codeOf(await graphql(edge(), APPROVE, { id, role: 'VIEWER' }, bearer(admin)))).toBe('CONFLICT');

    const refreshed = await graphql(edge(), REFRESH, { t: signUp.data?.signUp.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const token = refreshed.data?.refreshSession.accessToken as string;
    expect((await graphql(edge(), PATIENTS, {}, bearer(token))).errors).toBeUndefined();
    const write = await graphql(
      edge(),
      CREATE_PATIENT,
      { input: { givenName: 'Ada', familyName: 'Approved', gender: 'FEMALE' } },
      bearer(token),
    );
    expect(write.errors).toBeUndefined();
  });

  test('signUp answers the same whether or not the email is taken', async () => {
    const email = nextEmail('taken');
    const shape = (result: GraphQLResponse) => {
      const payload = result.data?.signUp;
      return {
        status: result.status,
        errors: result.errors,
        keys: Object.keys(payload ?? {}),
        user: { ...payload?.user, id: typeof payload?.user?.id },
        tokenType: payload?.tokenType,
        expiresIn: payload?.expiresIn,
        tokens: [payload?.accessToken.split('.').length, payload?.refreshToken.length],
      };
    };
    const first = await graphql(edge(), SIGN_UP, { input: { email, password: PASSWORD, name: 'Same Answer' } });
    const again = await graphql(edge(), SIGN_UP, {
      input: { email, password: `${PASSWORD} again`, name: 'Same Answer' },
    });
    expect(shape(again)).toEqual(shape(first));
    expect(shape(first).errors).toBeUndefined();
  });
});

describe('revocations reach every service within 2 s', () => {
  const secret = { [SUBGRAPH_SECRET_HEADER]: SECRET };
  const patientsSubgraph = () => testStack().stack.urls.subgraphs.patients as string;

  test.each([
    [
      'deactivation',
      async (user: { id: string }, admin: string) => {
        expect((await graphql(edge(), DEACTIVATE, { id: user.id }, bearer(admin))).errors).toBeUndefined();
      },
    ],
    [
      'a role change',
      async (user: { id: string }, admin: string) => {
        expect(
          (await graphql(edge(), SET_ROLE, { id: user.id, role: 'VIEWER' }, bearer(admin))).errors,
        ).toBeUndefined();
      },
    ],
  ])('%s: the gateway (through nginx) and the patients subgraph refuse the token', async (_what, revoke) => {
    const atEdge = await approvedUser('revoked-at-edge');
    const admin = await adminToken();
    expect(await refusedAfter(edge(), atEdge.accessToken, () => revoke(atEdge, admin))).toBeLessThan(2_000);
    const direct = await approvedUser('revoked-at-patients');
    expect(
      await refusedAfter(patientsSubgraph(), direct.accessToken, () => revoke(direct, admin), secret),
    ).toBeLessThan(2_000);
  });

  test('a password change: the old token is refused everywhere', async () => {
    const user = await approvedUser('password-change');
    const change = async () => {
      const changed = await graphql(
        edge(),
        CHANGE_PASSWORD,
        { old: PASSWORD, new: 'a new and quite different harbour' },
        bearer(user.accessToken),
      );
      expect(changed.data?.changePassword).toBe(true);
    };
    expect(await refusedAfter(edge(), user.accessToken, change)).toBeLessThan(2_000);
  });
});

describe('the auth trail', () => {
  test('an admin reads what happened to an account, with the request id and client address', async () => {
    const user = await approvedUser('trail');
    const failed = await graphql(edge(), LOGIN, { input: { email: user.email, password: 'not the password at all' } });
    expect(codeOf(failed)).toBe('UNAUTHENTICATED');
    const admin = await adminToken();
    expect((await graphql(edge(), DEACTIVATE, { id: user.id }, bearer(admin))).errors).toBeUndefined();
    const events = await graphql(edge(), AUTH_EVENTS, { userId: user.id }, bearer(admin));
    expect(events.errors).toBeUndefined();
    const nodes = events.data?.authEvents.edges.map((edge: { node: Record<string, unknown> }) => edge.node);
    expect(nodes.map((node: { action: string; outcome: string }) => `${node.action} ${node.outcome}`)).toEqual([
      'DEACTIVATION SUCCESS',
      'SIGN_IN DENIED',
      'SIGN_IN SUCCESS',
      'APPROVAL SUCCESS',
      'SIGN_UP SUCCESS',
    ]);
    expect(nodes[0]).toMatchObject({ targetUserId: user.id, actorId: expect.any(String) });
    expect(nodes[1]).toMatchObject({ targetUserId: user.id, actorId: null });
    for (const node of nodes) {
      expect(node.requestId).toEqual(expect.any(String));
      expect(node.clientAddress).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    }
    // A non-admin may not read it.
    expect(
      codeOf(await graphql(edge(), AUTH_EVENTS, { userId: user.id }, bearer((await approvedUser('nosy')).accessToken))),
    ).toBe('FORBIDDEN');
  });
});
