/**
 * No secret and no patient value in any log: a whole journey through nginx (over TLS) with
 * distinctive passwords, tokens and patient values — sign up, sign in, refresh, a wrong password,
 * a bad token, create, update, search, import (one record failing on a database constraint),
 * change the password, log out — at LOG_LEVEL=trace, then every line every process wrote (the
 * launcher, the services, nginx's error log and its access log) is searched for each of them.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fetch } from 'undici';
import { startTestStack, type TestStack } from '../src/stack/test-stack.js';
import { makeTestCertificate, type TestCertificate } from './tls.js';

/** A value no code, fixture or log line could hold by chance. */
const mark = (what: string) => `${what}${randomBytes(6).toString('hex')}`;
/** The same for a name part: letters only, since search reads a word with a digit as an identifier. */
const markName = (what: string) =>
  `${what}${[...randomBytes(10)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;

const PASSWORD = mark('Pw-first-');
const NEW_PASSWORD = mark('Pw-second-');
const WRONG_PASSWORD = mark('Pw-wrong-');
const BAD_TOKEN = mark('eyJbad.token.');
const SUBGRAPH_SECRET = mark('subgraph-secret-').padEnd(40, 'z');
const EMAIL = `${mark('clinician')}@example.org`;
const PATIENT = {
  givenName: markName('Givenx'),
  familyName: markName('Familyx'),
  newFamilyName: markName('Renamedx'),
  email: `${mark('patient')}@example.org`,
  phone: '+442079460958',
  addressLine: `${mark('Street ')} 12`,
  identifier: mark('ID-'),
};
const IMPORTED = {
  givenName: markName('Importx'),
  familyName: markName('Bulkx'),
  email: `${mark('imported')}@example.org`,
};
/** Same system, the value "V 1" spelt with two spaces: the lookup misses it, the unique key does not. */
const CLASH = {
  system: 'urn:example:clash',
  value: mark('V'),
  givenName: markName('Clashx'),
  familyName: markName('Keyx'),
};

let certificate: TestCertificate;
let testStack: TestStack;
let output = '';
const launcherLines: string[] = [];

beforeAll(async () => {
  certificate = makeTestCertificate();
  testStack = await startTestStack({
    env: { SUBGRAPH_SECRET },
    launcher: {
      logLevel: 'trace',
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile, port: 0 },
      onOutput: (_child, text) => {
        output += text;
      },
      log: (line) => launcherLines.push(line),
    },
  });
}, 120_000);

afterAll(async () => {
  await testStack?.stop();
  await certificate?.remove();
}, 60_000);

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: each operation's data has its own shape
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> {
  const response = await fetch(testStack.edge, {
    method: 'POST',
    dispatcher: certificate.dispatcher,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

const AUTH = 'accessToken refreshToken';

/** The journey; returns every token it was given, to look for in the logs. */
async function journey(): Promise<string[]> {
  const signUp = await gql(`mutation ($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`, {
    input: { email: EMAIL, password: PASSWORD, name: 'Log Journey' },
  });
  expect(signUp.errors).toBeUndefined();
  const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${AUTH} } }`;
  const login = await gql(LOGIN, { input: { email: EMAIL, password: PASSWORD } });
  expect(login.errors).toBeUndefined();
  const wrong = await gql(LOGIN, { input: { email: EMAIL, password: WRONG_PASSWORD } });
  expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const refreshed = await gql(`mutation ($token: String!) { refreshSession(refreshToken: $token) { ${AUTH} } }`, {
    token: login.data?.login.refreshToken,
  });
  expect(refreshed.errors).toBeUndefined();
  const token = refreshed.data?.refreshSession.accessToken as string;

  const bad = await gql('{ me { id } }', {}, BAD_TOKEN);
  expect([bad.status, bad.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);

  const created = await gql(
    `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id version } }`,
    {
      input: {
        givenName: PATIENT.givenName,
        familyName: PATIENT.familyName,
        gender: 'FEMALE',
        birthDate: '1961-07-23',
        email: PATIENT.email,
        phone: PATIENT.phone,
        address: { line: [PATIENT.addressLine], city: 'Leeds' },
        identifiers: [{ system: 'urn:example:chart', value: PATIENT.identifier }],
      },
    },
    token,
  );
  expect(created.errors).toBeUndefined();
  const { id, version } = created.data?.createPatient ?? {};
  const updated = await gql(
    `mutation ($id: ID!, $version: Int!, $input: UpdatePatientInput!) {
      updatePatient(id: $id, expectedVersion: $version, input: $input) { version } }`,
    { id, version, input: { familyName: PATIENT.newFamilyName } },
    token,
  );
  expect(updated.errors).toBeUndefined();
  const stale = await gql(
    `mutation ($id: ID!, $input: UpdatePatientInput!) { updatePatient(id: $id, expectedVersion: 1, input: $input) { id } }`,
    { id, input: { givenName: PATIENT.givenName } },
    token,
  );
  expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  const found = await gql(
    `query ($search: String!) { patients(filter: { search: $search }) { edges { node { id fullName } } } }`,
    { search: PATIENT.newFamilyName },
    token,
  );
  expect(found.data?.patients.edges).toEqual([
    { node: { id, fullName: `${PATIENT.givenName} ${PATIENT.newFamilyName}` } },
  ]);

  const IMPORT = `mutation ($resources: JSON!) { importPatients(resources: $resources) { created failed { index message } } }`;
  const patient = (given: string, family: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    name: [{ given: [given], family }],
    gender: 'male',
    birthDate: '1970-01-30',
    ...extra,
  });
  const first = await gql(
    IMPORT,
    {
      resources: [
        patient(IMPORTED.givenName, IMPORTED.familyName, {
          telecom: [{ system: 'email', value: IMPORTED.email }],
          identifier: [{ system: CLASH.system, value: `${CLASH.value} 1` }],
        }),
      ],
    },
    token,
  );
  expect(first.data?.importPatients).toEqual({ created: 1, failed: [] });
  const clashing = await gql(
    IMPORT,
    {
      resources: [
        patient(CLASH.givenName, CLASH.familyName, {
          identifier: [{ system: CLASH.system, value: `${CLASH.value}  1` }],
        }),
        patient(CLASH.givenName, CLASH.familyName, { birthDate: '1970-02-30' }),
      ],
    },
    token,
  );
  expect(clashing.data?.importPatients.created).toBe(0);
  expect(clashing.data?.importPatients.failed.map((failure: { index: number }) => failure.index)).toEqual([0, 1]);

  const changed = await gql(
    'mutation ($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }',
    { current: PASSWORD, next: NEW_PASSWORD },
    token,
  );
  expect(changed.errors).toBeUndefined();
  const again = await gql(LOGIN, { input: { email: EMAIL, password: NEW_PASSWORD } });
  expect(again.errors).toBeUndefined();
  const out = await gql('mutation ($token: String!) { logout(refreshToken: $token) }', {
    token: again.data?.login.refreshToken,
  });
  expect(out.data?.logout).toBe(true);

  return [signUp.data?.signUp, login.data?.login, refreshed.data?.refreshSession, again.data?.login].flatMap(
    (payload) => [payload.accessToken, payload.refreshToken],
  );
}

test('the edge listens on 127.0.0.1 only (EDGE_HOST unset), and its public /health names nothing behind it', async () => {
  // 127.0.0.2 is this machine too; a listener on every address answers it.
  const answers = (port: number, host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  const anywhere = net.createServer().listen(0, '0.0.0.0');
  await new Promise((resolve) => anywhere.once('listening', resolve));
  expect(await answers((anywhere.address() as net.AddressInfo).port, '127.0.0.2')).toBe(true);
  anywhere.close();

  const { stack } = testStack;
  const ports = [stack.urls.edge, stack.urls.plainEdge ?? ''].map((url) => Number(new URL(url).port));
  for (const port of ports) {
    expect([port, await answers(port, '127.0.0.1')]).toEqual([port, true]);
    expect([port, await answers(port, '127.0.0.2')]).toEqual([port, false]);
  }

  const origin = new URL(stack.urls.edge).origin;
  const health = await fetch(`${origin}/health`, { dispatcher: certificate.dispatcher });
  expect([health.status, await health.text()]).toEqual([200, '{"status":"up"}']);
  const ready = await fetch(`${origin}/health/ready`, { dispatcher: certificate.dispatcher });
  expect(ready.status).toBe(404);
  await ready.text();
  // The detailed readiness stays on the gateway's own port.
  const internal = await fetch(new URL('/health/ready', stack.urls.gateway));
  expect(((await internal.json()) as { dependencies: Record<string, string> }).dependencies).toMatchObject({
    users: 'up',
    patients: 'up',
  });
});

test('the launcher said in one line who may sign up', () => {
  expect(launcherLines.filter((line) => line.startsWith('sign-up: '))).toEqual([
    'sign-up: open — anyone who reaches the edge gets a CLINICIAN account at once; SIGNUP_MODE=approval or SIGNUP_MODE=invite closes it',
  ]);
});

// Last: it stops the stack, to read everything the processes wrote.
test('after a whole journey at LOG_LEVEL=trace, no process logged a secret or a patient value', async () => {
  const tokens = await journey();
  // Lines are written before the answers leave, but reach us through pipes: stopping the stack
  // makes every process flush and exit (afterAll removes the folders).
  await testStack.stack.stop();
  const accessLog = readFileSync(path.join(testStack.dataDir, 'nginx', 'logs', 'access.log'), 'utf8');
  const everything = [output, accessLog, ...launcherLines].join('\n');

  // The journey was logged, at trace level, down to the import's database error…
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; level: number; err?: { code?: string } });
  expect(lines.filter((line) => line.msg === 'request').length).toBeGreaterThan(20);
  expect(lines).toContainEqual(
    expect.objectContaining({
      msg: 'bulk import fell back to one record at a time',
      err: expect.objectContaining({ code: '23505' }),
    }),
  );
  expect(accessLog).toContain('POST /graphql');

  // …and none of this is anywhere in it.
  const secrets = {
    PASSWORD,
    NEW_PASSWORD,
    WRONG_PASSWORD,
    BAD_TOKEN,
    SUBGRAPH_SECRET,
    EMAIL,
    ...Object.fromEntries(tokens.map((token, i) => [`token ${i}`, token])),
    ...Object.fromEntries(Object.entries(PATIENT).map(([key, value]) => [`patient ${key}`, value])),
    ...Object.fromEntries(Object.entries(IMPORTED).map(([key, value]) => [`imported ${key}`, value])),
    'clash value': CLASH.value,
    'clash givenName': CLASH.givenName,
    'clash familyName': CLASH.familyName,
    'birth date': '1961-07-23',
  };
  const found = Object.entries(secrets)
    .filter(([, value]) => everything.includes(value))
    .map(([name]) => name);
  expect(found).toEqual([]);
}, 60_000);
