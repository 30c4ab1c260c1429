/**
 * Security regression suite (issue 7): abusive and malformed requests sent to the public edge
 * (nginx, what :8000 is in production) of a whole stack running with NODE_ENV=production. Each is
 * refused with the code gateway/README.md's "Security" section documents, and without internal detail.
 */
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { type GraphQLResponse, postGraphQL, useTestStack } from '../src/stack/test-stack.js';

const edge = useTestStack({ nodeEnv: 'production' });

async function send(init: RequestInit & { search?: string }) {
  const response = await fetch(`${edge().edge}${init.search ?? ''}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

const post = (body: unknown, headers: Record<string, string> = {}) => postGraphQL(edge().edge, body, headers);

/** What no refusal may reveal: stack frames, source paths, SQL, hosts, product versions. */
function expectNoInternals(text: string) {
  expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|stacktrace|\bSELECT\b|postgres|127\.0\.0\.1|nginx\/\d/i);
}

/** The one refusal a response carries, checked against the documented status, code and limit. */
function expectRefused(response: GraphQLResponse, expected: { status: number; code: string; limit?: string }) {
  expect(response.status).toBe(expected.status);
  expect(response.data ?? undefined).toBeUndefined();
  const error = expected.limit
    ? response.errors?.find((e) => e.extensions?.limit === expected.limit)
    : response.errors?.[0];
  expect(error?.extensions?.code).toBe(expected.code);
  expectNoInternals(response.text);
  return error;
}

test('a query 20 levels deep is refused: GRAPHQL_VALIDATION_FAILED, limit MAX_DEPTH', async () => {
  // The API has no cycle 20 levels long, so the inner fields do not exist: depth is judged first.
  const query = `{ me { ${'a { '.repeat(18)}b${' }'.repeat(18)} } }`;
  const error = expectRefused(await post({ query }), {
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    limit: 'MAX_DEPTH',
  });
  expect(error?.message).toBe('Query depth limit of 10 exceeded, found 20.');
});

test('100 aliases are refused: GRAPHQL_VALIDATION_FAILED, limit MAX_ALIASES', async () => {
  const query = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
  const error = expectRefused(await post({ query }), {
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    limit: 'MAX_ALIASES',
  });
  expect(error?.message).toBe('Aliases limit of 15 exceeded, found 100.');
});

test('a 1 MB query is refused at the edge with 413 before any service parses it', async () => {
  const query = `{ ${'__typename '.repeat(100_000)}}`;
  expect(query.length).toBeGreaterThan(1_000_000);
  const response = await send({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(413);
  expectNoInternals(response.text);
  // The API's error shape, as a service gives it for a body over its BODY_LIMIT; no nginx version.
  expect(JSON.parse(response.text)).toEqual({
    errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }],
  });
  expect(response.headers.get('server') ?? '').not.toMatch(/\d/);
});

test('a query of too many tokens but a small body is refused: GRAPHQL_PARSE_FAILED, limit MAX_TOKENS', async () => {
  const query = `{ ${'__typename '.repeat(3000)}}`;
  expectRefused(await post({ query }), { status: 400, code: 'GRAPHQL_PARSE_FAILED', limit: 'MAX_TOKENS' });
});

test('`first: 100000` in a variable is refused before anything runs: BAD_USER_INPUT on field first', async () => {
  const response = await post({
    query: 'query Page($first: Int) { users(first: $first) { totalCount } }',
    variables: { first: 100_000 },
  });
  const error = expectRefused(response, { status: 400, code: 'BAD_USER_INPUT' });
  expect(error).toEqual({
    message: '`first` must be at most 100',
    extensions: { code: 'BAD_USER_INPUT', field: 'first', limit: 'MAX_PAGE_SIZE' },
  });
});

test('__schema in production is refused: GRAPHQL_VALIDATION_FAILED, no hint how to turn it on', async () => {
  const response = await post({ query: '{ __schema { types { name } } }' });
  const error = expectRefused(response, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  expect(error?.message).toBe(
    'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
  );
  expect(response.text).not.toMatch(/apollo|introspection: true/i);
});

test('a misspelt field in production is refused without a "Did you mean" suggestion', async () => {
  const response = await post({ query: '{ me { emial } }' });
  const error = expectRefused(response, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  expect(error?.message).toBe('Cannot query field "emial" on type "User".');
  expect(response.text).not.toMatch(/did you mean/i);
});

test('a malformed JSON body is refused: 400 BAD_REQUEST, without the parser error', async () => {
  const response = await post('{"query": "{ me { id } }"');
  expectRefused(response, { status: 400, code: 'BAD_REQUEST' });
  expect(response.errors).toEqual([{ message: 'Malformed request body', extensions: { code: 'BAD_REQUEST' } }]);
});

test('a mutation over GET is refused: 405 BAD_REQUEST with Allow: POST (and 400 CSRF without a preflight header)', async () => {
  const search = `?query=${encodeURIComponent('mutation { login(input: { email: "a@example.org", password: "x" }) { accessToken } }')}`;
  const preflighted = await send({ search, headers: { 'apollo-require-preflight': 'true' } });
  expect(preflighted.status).toBe(405);
  expect(preflighted.headers.get('allow')).toBe('POST');
  expect((JSON.parse(preflighted.text) as Pick<GraphQLResponse, 'errors'>).errors?.[0]?.extensions?.code).toBe(
    'BAD_REQUEST',
  );
  expectNoInternals(preflighted.text);

  const simple = await send({ search });
  expect(simple.status).toBe(400);
  expect((JSON.parse(simple.text) as Pick<GraphQLResponse, 'errors'>).errors?.[0]?.extensions?.code).toBe(
    'BAD_REQUEST',
  );
});

test('a batched (array) request is refused: 400 BAD_REQUEST', async () => {
  const response = await post([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
  expectRefused(response, { status: 400, code: 'BAD_REQUEST' });
});

test('the same edge answers a well-formed query within the limits', async () => {
  const response = await post({ query: '{ me { id } }' }, { accept: 'application/graphql-response+json' });
  expect(response.status).toBe(200);
  expect(JSON.parse(response.text)).toEqual({ data: { me: null } });
});

test.each(['users', 'patients'] as const)(
  'the %s subgraph refuses on its own too (its looser limits; no introspection nor _service sdl in production)',
  async (name) => {
    const url = edge().stack.urls.subgraphs[name];
    expect(url).toBeDefined();
    // With the gateway's secret: what is under test is the subgraph's own limits.
    const secret = { [SUBGRAPH_SECRET_HEADER]: edge().subgraphSecret ?? '' };
    const direct = (query: string) => postGraphQL(String(url), { query }, secret);
    const deep = await direct(`{ ${'a { '.repeat(15)}b${' }'.repeat(15)} }`);
    const error = expectRefused(deep, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'MAX_DEPTH' });
    expect(error?.message).toBe('Query depth limit of 15 exceeded, found 16.');
    for (const query of ['{ __schema { types { name } } }', '{ _service { sdl } }'])
      expectRefused(await direct(query), { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  },
);

test('no local explorer in production: /explorer is 404 on the gateway and on each subgraph', async () => {
  const { urls } = edge().stack;
  for (const url of [urls.gateway, urls.subgraphs.users, urls.subgraphs.patients])
    expect([url, (await fetch(new URL('/explorer/', url))).status]).toEqual([url, 404]);
});
