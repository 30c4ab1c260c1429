/**
 * The gateway over real HTTP, in front of a recording stand-in for the users subgraph: it proves
 * what reaches a subgraph (nothing, for a bad token), which headers go along, and that subgraph
 * connections are kept alive. The real subgraphs are exercised in e2e.test.ts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '@healthsync/orm/http';
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { createTestTokenIssuer, type TestTokenIssuer } from '@healthsync/orm/testing';
import { loadGatewayConfig, startGatewayServer } from '../src/server.js';

interface RecordedRequest {
  headers: http.IncomingHttpHeaders;
  body: { query?: string };
  /** Which TCP connection carried it (1, 2, …). */
  connection: number;
}

/** A subgraph stand-in that answers `me` like the users subgraph and records every GraphQL request. */
async function startRecordingSubgraph(jwks: unknown) {
  const requests: RecordedRequest[] = [];
  const connections = new WeakMap<object, number>();
  let opened = 0;
  const server = http.createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/jwks.json') return void res.end(JSON.stringify(jwks));
    if (req.url === '/internal/revocations') return void res.end(JSON.stringify({ notBefore: {} }));
    let text = '';
    for await (const chunk of req) text += chunk;
    requests.push({ headers: req.headers, body: JSON.parse(text), connection: connections.get(req.socket) ?? 0 });
    res.end(JSON.stringify({ data: { me: { id: 'user-1', email: 'ada@example.org' } } }));
  });
  server.on('connection', (socket) => connections.set(socket, ++opened));
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SECRET = 'a-subgraph-secret-of-at-least-32-characters';
let issuer: TestTokenIssuer;
let subgraph: Awaited<ReturnType<typeof startRecordingSubgraph>>;
let gateway: RunningService;

beforeAll(async () => {
  issuer = await createTestTokenIssuer();
  subgraph = await startRecordingSubgraph(issuer.jwks);
  gateway = await startGatewayServer(
    loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      USERS_URL: `${subgraph.origin}/graphql`,
      PATIENTS_URL: `${subgraph.origin}/graphql`,
      JWKS_URL: `${subgraph.origin}/.well-known/jwks.json`,
      SUBGRAPH_SECRET: SECRET,
    }),
  );
});
afterAll(async () => {
  await gateway?.stop();
  await subgraph?.close();
});
beforeEach(() => {
  subgraph.requests.length = 0;
});

async function query(headers: Record<string, string>, body: unknown = { query: '{ me { id email } }' }) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

describe('bearer tokens are checked before planning', () => {
  test.each([
    ['signed by another key', async () => `Bearer ${await (await createTestTokenIssuer()).sign()}`],
    ['expired', async () => `Bearer ${await issuer.sign({ expiresIn: -60 })}`],
    ['for another audience', async () => `Bearer ${await issuer.sign({ audience: 'someone-else' })}`],
    ['an ID token, not an access token', async () => `Bearer ${await issuer.sign({ type: 'JWT' })}`],
    ['not a JWT', async () => 'Bearer not-a-token'],
    ['not a bearer token', async () => 'Basic YWRhOnNlY3JldA=='],
  ])(
    'a bad token (%s) gets HTTP 401 UNAUTHENTICATED and nothing is sent to a subgraph',
    async (_case, authorization) => {
      const result = await query({ authorization: await authorization() });
      expect(result.status).toBe(401);
      expect(result.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(result.body.data).toBeUndefined();
      expect(subgraph.requests).toHaveLength(0);
    },
  );

  test('a valid token reaches the subgraph with the request id and the subgraph secret', async () => {
    const token = await issuer.sign({ role: 'VIEWER' });
    const result = await query({ authorization: `Bearer ${token}`, 'x-request-id': 'req-42.a' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { me: { id: 'user-1', email: 'ada@example.org' } } });
    expect(result.requestId).toBe('req-42.a');
    expect(subgraph.requests).toHaveLength(1);
    expect(subgraph.requests[0]?.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-request-id': 'req-42.a',
      [SUBGRAPH_SECRET_HEADER]: SECRET,
    });
  });

  test('an anonymous request goes on without authorization, under the id the gateway made', async () => {
    const result = await query({});
    expect(result.status).toBe(200);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(subgraph.requests[0]?.headers.authorization).toBeUndefined();
    expect(subgraph.requests[0]?.headers['x-request-id']).toBe(result.requestId);
  });

  test('an unusable request id is replaced, not passed on', async () => {
    const result = await query({ 'x-request-id': 'bad id with spaces' });
    expect(result.requestId).not.toBe('bad id with spaces');
    expect(subgraph.requests[0]?.headers['x-request-id']).toBe(result.requestId);
  });
});

test('successive requests reuse one kept-alive connection to the subgraph', async () => {
  for (let i = 0; i < 3; i++) expect((await query({})).status).toBe(200);
  expect(subgraph.requests).toHaveLength(3);
  expect(new Set(subgraph.requests.map((request) => request.connection)).size).toBe(1);
  expect(subgraph.requests[0]?.headers.connection).toBe('keep-alive');
});

test('the static supergraph is served: a field no subgraph has is a validation error', async () => {
  const result = await query({}, { query: '{ nothingLikeThis }' });
  expect(result.status).toBe(400);
  expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(subgraph.requests).toHaveLength(0);
});

test('automatic persisted queries: an unknown hash is refused, then served once the text was sent with it', async () => {
  const text = '{ me { id } }';
  const sha256Hash = createHash('sha256').update(text).digest('hex');
  const extensions = { persistedQuery: { version: 1, sha256Hash } };
  const unknown = await query({}, { extensions });
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect((await query({}, { query: text, extensions })).body).toEqual({ data: { me: { id: 'user-1' } } });
  expect((await query({}, { extensions })).body).toEqual({ data: { me: { id: 'user-1' } } });
  // The subgraph always gets the text, never a hash.
  expect(subgraph.requests.map((request) => request.body.query)).toEqual([
    expect.stringContaining('me'),
    expect.stringContaining('me'),
  ]);
});

test("the gateway reports nothing to Apollo's servers (its usage telemetry is off)", () => {
  // @apollo/gateway starts its metrics exporter unless APOLLO_TELEMETRY_DISABLED is 'true' or '1'
  // when it is constructed; the gateway above was built with the environment as the tests left it.
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
});
