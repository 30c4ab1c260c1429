import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { REVOCATIONS_PATH } from '@healthsync/orm/auth';
import { withClient } from '@healthsync/orm/database';
import {
  createTestDatabase,
  forgedAccessTokens,
  type TestDatabase,
  testDatabaseAwayAtStart,
  testTokenIssuer,
} from '@healthsync/orm/testing';
import { startPatientsServer } from '../src/server.js';
import { type GraphQLResult, testPatientsConfig } from './harness.js';

// A stand-in for the users subgraph's public endpoints: its JWKS and its revocation list.
const revokedUserId = randomUUID();
let keysServer: http.Server;
let database: TestDatabase;
let server: Awaited<ReturnType<typeof startPatientsServer>>;

beforeAll(async () => {
  const issuer = await testTokenIssuer();
  keysServer = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/jwks.json') res.end(JSON.stringify(issuer.jwks));
    else if (req.url === REVOCATIONS_PATH)
      res.end(JSON.stringify({ notBefore: { [revokedUserId]: Math.floor(Date.now() / 1000) + 3600 } }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
  const { port } = keysServer.address() as AddressInfo;
  database = await createTestDatabase();
  server = await startPatientsServer(
    testPatientsConfig(database, { HOST: '127.0.0.1', JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` }),
  );
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  await new Promise((resolve) => keysServer?.close(resolve));
});

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult };
}

const CREATE =
  'mutation Create($input: CreatePatientInput!) { createPatient(input: $input) { id fullName createdBy { id } } }';
const READ = 'query Read($id: ID!) { patient(id: $id) { id } }';

describe('the patients subgraph over HTTP, verifying tokens against a remote JWKS', () => {
  test('a token signed with a published key works; the request id reaches the audit log', async () => {
    const userId = randomUUID();
    const token = await (await testTokenIssuer()).sign({ userId, role: 'CLINICIAN' });
    const requestId = `http-test-${randomUUID()}`;
    const response = await post(
      CREATE,
      { input: { givenName: 'Over', familyName: 'Http' } },
      { authorization: `Bearer ${token}`, 'x-request-id': requestId },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createPatient).toMatchObject({ fullName: 'Over Http', createdBy: { id: userId } });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const { rows } = await withClient(database.adminUrl, (client) =>
      client.query('SELECT action, outcome, actor_id FROM patients.audit_event WHERE request_id = $1', [requestId]),
    );
    expect(rows).toEqual([{ action: 'CREATE', outcome: 'SUCCESS', actor_id: userId }]);
  });

  test('without a token, patient data is refused with UNAUTHENTICATED', async () => {
    const response = await post(READ, { id: randomUUID() });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.data?.patient ?? null).toBeNull();
  });

  test('a malformed, forged or revoked token is HTTP 401 UNAUTHENTICATED', async () => {
    const issuer = await testTokenIssuer();
    const { genuine, attacks } = await forgedAccessTokens(issuer.signingKey, { userId: randomUUID() });
    const control = await post(READ, { id: randomUUID() }, { authorization: `Bearer ${genuine}` });
    expect({ status: control.status, errors: control.body.errors }).toEqual({ status: 200, errors: undefined });
    const tokens = {
      ...attacks,
      malformed: 'not.a.token',
      revoked: await issuer.sign({ userId: revokedUserId, role: 'ADMIN' }),
    };
    for (const [attack, token] of Object.entries(tokens)) {
      const response = await post(READ, { id: randomUUID() }, { authorization: `Bearer ${token}` });
      expect({ attack, status: response.status, code: response.body.errors?.[0]?.extensions?.code }).toEqual({
        attack,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
  });

  test('readiness reports the database', async () => {
    const response = await fetch(new URL('/health/ready', server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'up', dependencies: { database: 'up' } });
  });
});

testDatabaseAwayAtStart((databaseUrl) =>
  startPatientsServer(testPatientsConfig(database, { PATIENTS_DATABASE_URL: databaseUrl })),
);
