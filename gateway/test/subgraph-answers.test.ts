/**
 * What the gateway makes of each kind of subgraph answer, in front of a stand-in subgraph on real
 * HTTP: GraphQL errors go on with their codes whatever the HTTP status; anything else is one masked
 * error whose log line holds nothing of the body (it may repeat a client's email or password); a
 * subgraph that refuses connections or does not answer in time is SERVICE_UNAVAILABLE naming no
 * host or port; and a bad custom-scalar value never reaches a subgraph at all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { findFreePort } from '@healthsync/orm/database';
import { pino } from 'pino';
import type { GatewayContext } from '../src/context.js';
import { createGatewayApollo, loadGatewayConfig } from '../src/server.js';

/** What the stand-in answers next: status, content type and body text; `hang` never answers. */
type Answer = { status: number; type: string; body: string } | 'hang';

const PRIVATE = 'ada.lovelace@example.org and hunter2-password';
let answer: Answer;
let received = 0;
const hanging = new Set<http.ServerResponse>();
const standIn = http.createServer(async (req, res) => {
  for await (const _chunk of req);
  received++;
  if (answer === 'hang') return void hanging.add(res);
  res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
});

let logText = '';
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _encoding, done) {
      logText += chunk.toString();
      done();
    },
  }),
);
let apollo: ReturnType<typeof createGatewayApollo>;
let closedUrl: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const { port } = standIn.address() as AddressInfo;
  closedUrl = `http://127.0.0.1:${await findFreePort()}/graphql`;
  apollo = createGatewayApollo(
    loadGatewayConfig({
      NODE_ENV: 'test',
      USERS_URL: `http://127.0.0.1:${port}/graphql`,
      // Nothing listens here: the patients subgraph refuses every connection.
      PATIENTS_URL: closedUrl,
      SUBGRAPH_TIMEOUT_SECONDS: '0.5',
      ENTITY_CACHE_TTL_SECONDS: '0',
    }),
    logger,
  );
  await apollo.apollo.start();
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await apollo?.apollo.stop();
  await apollo?.closeConnections();
  standIn.closeAllConnections();
  await new Promise<void>((resolve) => standIn.close(() => resolve()));
});

beforeEach(() => {
  logText = '';
  received = 0;
});

const context = (): GatewayContext =>
  ({
    viewer: null,
    requestId: 'subgraph-answers',
    logger,
    forwardedHeaders: { 'x-request-id': 'subgraph-answers' },
    wantsFreshEntities: false,
  }) as GatewayContext;

async function run(query: string, variables: Record<string, unknown> = {}) {
  const response = await apollo.apollo.executeOperation({ query, variables }, { contextValue: context() });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { status: response.http.status ?? 200, data, errors, text: JSON.stringify(response.body.singleResult) };
}

const codes = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] | undefined }) =>
  (result.errors ?? []).map((error) => error.extensions?.code);

test("a subgraph's GraphQL errors reach the client with their codes even under HTTP 400", async () => {
  answer = {
    status: 400,
    type: 'application/json',
    body: JSON.stringify({
      errors: [{ message: 'Email is not valid', extensions: { code: 'BAD_USER_INPUT', field: 'email' } }],
    }),
  };
  const result = await run('{ me { id } }');
  expect(received).toBe(1);
  expect(result.errors).toEqual([
    expect.objectContaining({ message: 'Email is not valid', extensions: { code: 'BAD_USER_INPUT', field: 'email' } }),
  ]);
});

test.each([
  ['an HTML 502 from a proxy', { status: 502, type: 'text/html', body: `<p>${PRIVATE}</p>` }],
  ['a JSON 500 that is not GraphQL', { status: 500, type: 'application/json', body: JSON.stringify({ PRIVATE }) }],
  ['a 200 whose JSON does not parse', { status: 200, type: 'application/json', body: `{"data": ${PRIVATE}` }],
  ['a 200 that is not GraphQL', { status: 200, type: 'application/json', body: JSON.stringify([PRIVATE]) }],
])('%s: one masked error, and neither the answer nor the log repeats its body', async (_name, given) => {
  answer = given;
  const result = await run('{ me { id } }');
  expect(received).toBe(1);
  expect(codes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
  expect(result.text).not.toMatch(/ada\.lovelace|hunter2/);
  expect(logText).toMatch(/unexpected error/);
  expect(logText).not.toMatch(/ada\.lovelace|hunter2/);
});

test('a subgraph that does not answer within SUBGRAPH_TIMEOUT_SECONDS is SERVICE_UNAVAILABLE, naming no host', async () => {
  answer = 'hang';
  const started = performance.now();
  const result = await run('{ me { id } }');
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(result.errors).toEqual([
    expect.objectContaining({
      message: 'The users service is unavailable; retry shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    }),
  ]);
  expect(result.text).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b|timeout/i);
  expect(logText).toMatch(/"subgraph":"users".*"subgraph unavailable"|"subgraph unavailable".*"subgraph":"users"/);
});

test('a subgraph that refuses connections: its fields fail as SERVICE_UNAVAILABLE, the others are answered', async () => {
  answer = { status: 200, type: 'application/json', body: JSON.stringify({ data: { me: { id: 'user-1' } } }) };
  const result = await run('query Mixed($id: ID!) { me { id } patient(id: $id) { id } }', {
    id: '00000000-0000-4000-8000-000000000000',
  });
  expect(result.data).toEqual({ me: { id: 'user-1' }, patient: null });
  expect(codes(result)).toEqual(['SERVICE_UNAVAILABLE']);
  expect(result.text).not.toContain(new URL(closedUrl).port);
  expect(result.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
});

describe('custom scalars are checked by the gateway itself', () => {
  const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }';

  test('a bad variable is BAD_USER_INPUT (HTTP 400) without a subgraph fetch', async () => {
    const result = await run(LOGIN, { input: { email: 'not-an-email', password: 'whatever it is' } });
    expect([result.status, codes(result)]).toEqual([400, ['BAD_USER_INPUT']]);
    expect(received).toBe(0);
  });

  test('a bad inline literal is GRAPHQL_VALIDATION_FAILED (HTTP 400) without a subgraph fetch', async () => {
    const result = await run(
      'mutation { login(input: { email: "not-an-email", password: "whatever" }) { accessToken } }',
    );
    expect([result.status, codes(result)]).toEqual([400, ['GRAPHQL_VALIDATION_FAILED']]);
    expect(received).toBe(0);
  });

  test('a good value goes through to the subgraph', async () => {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ data: { login: { accessToken: 't' } } }) };
    const result = await run(LOGIN, { input: { email: 'ada@example.org', password: 'whatever it is' } });
    expect([result.errors, result.data, received]).toEqual([undefined, { login: { accessToken: 't' } }, 1]);
  });
});
