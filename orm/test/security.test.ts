import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { pino } from 'pino';
import { z } from 'zod';
import { createErrorFormatter, EnvironmentError, parseEnvironment } from '@healthsync/orm';
import {
  GATEWAY_LIMITS,
  type GraphQLLimits,
  graphqlLimitsEnvironment,
  graphqlLimitsOf,
  graphqlSecurity,
  type RunningService,
  startGraphQLService,
} from '@healthsync/orm/http';

// A schema small enough to read, with a cycle (Node.next) so that depth can grow without end.
const schema = buildSchema(`
  type Node { id: ID! next: Node }
  type Service { sdl: String }
  type Query { hello: String node: Node nodes(first: Int = 10): [Node!]! boom: String _service: Service }
  type Mutation { bump: Int }
`);
const rootValue = {
  hello: 'world',
  node: () => ({ id: '1', next: null }),
  nodes: ({ first }: { first: number }) => Array.from({ length: first }, (_, i) => ({ id: String(i) })),
  boom: () => {
    throw new Error('relation "secret_table" does not exist');
  },
  bump: 1,
  _service: { sdl: 'type Query { hello: String }' },
};

const LIMITS: GraphQLLimits = {
  ...GATEWAY_LIMITS,
  maxDepth: 5,
  maxAliases: 3,
  maxDirectives: 4,
  maxCost: 1000,
  maxTokens: 200,
};

/** A service on a real port, its log lines captured. */
async function startService(production: boolean) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const security = graphqlSecurity({ limits: LIMITS, production });
  const apollo = new ApolloServer({ schema, rootValue, formatError: createErrorFormatter(logger), ...security });
  const service = await startGraphQLService({
    name: 'security test',
    logger,
    port: 0,
    host: '127.0.0.1',
    apollo,
    bodyLimit: '2kb',
    context: async () => ({}),
  });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
  };
  return { service, post, lines };
}
interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

let dev: Awaited<ReturnType<typeof startService>>;
let production: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  [dev, production] = await Promise.all([startService(false), startService(true)]);
});
afterAll(async () => {
  await Promise.all([dev.service, production.service].map((service: RunningService) => service.stop()));
});

const nested = (levels: number) => `{ node { ${'next { '.repeat(levels - 2)}id${' }'.repeat(levels - 2)} } }`;

describe('limits', () => {
  test.each([
    ['depth', nested(6), 'MAX_DEPTH', 'Query depth limit of 5 exceeded, found 6.'],
    ['aliases', '{ a: hello b: hello c: hello d: hello }', 'MAX_ALIASES', 'Aliases limit of 3 exceeded, found 4.'],
    [
      'directives',
      '{ hello @include(if: true) @skip(if: false) node @skip(if: false) { id @include(if: true) @skip(if: false) } }',
      'MAX_DIRECTIVES',
      'Directives limit of 4 exceeded, found 5.',
    ],
    ['cost', '{ nodes(first: 100) { id next { id next { id next { id } } } } }', 'MAX_COST', undefined],
  ])('too many %s: HTTP 400, GRAPHQL_VALIDATION_FAILED naming the limit', async (_what, query, limit, message) => {
    const { status, body } = await dev.post({ query });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    const error = body.errors?.find((e) => e.extensions?.limit === limit);
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    if (message) expect(error?.message).toBe(message);
  });

  test('the same shapes within the limits run', async () => {
    for (const query of [nested(5), '{ a: hello b: hello c: hello }', '{ nodes(first: 100) { id } }']) {
      const { status, body } = await dev.post({ query });
      expect({ query, status, errors: body.errors }).toEqual({ query, status: 200, errors: undefined });
    }
  });

  test('too many tokens: the parser stops, GRAPHQL_PARSE_FAILED naming the limit', async () => {
    const { status, body } = await dev.post({ query: `{ ${'hello '.repeat(250)}}` });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', limit: 'MAX_TOKENS' });
  });

  test.each([
    ['a literal', '{ nodes(first: 101) { id } }', {}],
    ['a variable', 'query ($n: Int) { nodes(first: $n) { id } }', { n: 100_000 }],
    ['a variable default', 'query ($n: Int = 5000) { nodes(first: $n) { id } }', {}],
    ['a fragment', 'query ($n: Int) { ...page } fragment page on Query { nodes(first: $n) { id } }', { n: 101 }],
  ])(
    '`first` above 100 as %s is BAD_USER_INPUT on field first, before anything runs',
    async (_how, query, variables) => {
      const { status, body } = await dev.post({ query, variables });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]).toEqual({
        message: '`first` must be at most 100',
        extensions: { code: 'BAD_USER_INPUT', field: 'first', limit: 'MAX_PAGE_SIZE' },
      });
    },
  );

  test('a negative `first` is refused and `first: 100` as a variable runs', async () => {
    const negative = await dev.post({ query: 'query ($n: Int) { nodes(first: $n) { id } }', variables: { n: -1 } });
    expect(negative.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const hundred = await dev.post({ query: 'query ($n: Int) { nodes(first: $n) { id } }', variables: { n: 100 } });
    expect(hundred.body.errors).toBeUndefined();
    expect(hundred.body.data?.nodes).toHaveLength(100);
  });
});

describe('schema details', () => {
  test('development: introspection and "Did you mean" hints help the developer', async () => {
    const introspection = await dev.post({ query: '{ __schema { queryType { name } } _service { sdl } }' });
    expect(introspection.body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
      _service: { sdl: 'type Query { hello: String }' },
    });
    const misspelt = await dev.post({ query: '{ helo }' });
    expect(misspelt.body.errors?.[0]?.message).toContain('Did you mean "hello"?');
  });

  test("production: __schema, __type and a subgraph's _service are refused without naming the server; __typename works", async () => {
    for (const query of [
      '{ __schema { queryType { name } } }',
      '{ __type(name: "Query") { name } }',
      '{ _service { sdl } }',
    ]) {
      const { status, body } = await production.post({ query });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0]?.message).toMatch(/^GraphQL introspection has been disabled/);
      expect(JSON.stringify(body)).not.toMatch(/apollo/i);
    }
    expect((await production.post({ query: '{ __typename }' })).body.data).toEqual({ __typename: 'Query' });
  });

  test('production: a misspelt field gets no suggestion', async () => {
    const { status, body } = await production.post({ query: '{ helo }' });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Cannot query field "helo" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  test('an unexpected error is masked for the client and logged in full with the request id', async () => {
    const { body, headers } = await production.post({ query: '{ boom }' }, { 'x-request-id': 'req-boom-1' });
    expect(headers.get('x-request-id')).toBe('req-boom-1');
    expect(body.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['boom'],
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
    const logged = production.lines.find((line) => line.msg === 'unexpected error');
    expect(logged).toMatchObject({
      requestId: 'req-boom-1',
      err: { message: 'relation "secret_table" does not exist' },
    });
    expect(String((logged?.err as { stack?: string } | undefined)?.stack)).toContain('boom');
  });
});

describe('HTTP', () => {
  test('a batched (array) request is refused', async () => {
    const { status, body } = await dev.post([{ query: '{ hello }' }, { query: '{ hello }' }]);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  test('malformed JSON is 400 BAD_REQUEST without parser internals', async () => {
    const { status, body } = await dev.post('{"query": "{ hello }"');
    expect(status).toBe(400);
    expect(body).toEqual({ errors: [{ message: 'Malformed request body', extensions: { code: 'BAD_REQUEST' } }] });
  });

  test('a body above the explicit limit is 413', async () => {
    const { status, body } = await dev.post({ query: `{ hello } # ${'x'.repeat(3000)}` });
    expect(status).toBe(413);
    expect(body).toEqual({ errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
  });

  test('a mutation over GET is 405 and does not run', async () => {
    const response = await fetch(`${dev.service.url}?query=${encodeURIComponent('mutation { bump }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  test('CSRF prevention: a "simple" request a browser would send cross-site is refused', async () => {
    const form = await fetch(dev.service.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { bump }' }),
    });
    expect(form.status).toBe(400);
    const get = await fetch(`${dev.service.url}?query=${encodeURIComponent('{ hello }')}`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  test('application/graphql-response+json is answered in kind', async () => {
    const { status, headers, body } = await dev.post(
      { query: '{ hello }' },
      { accept: 'application/graphql-response+json' },
    );
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(body.data).toEqual({ hello: 'world' });
  });
});

describe('configuration', () => {
  const Environment = z.object(graphqlLimitsEnvironment(GATEWAY_LIMITS));

  test('every limit has a default and can be set', () => {
    expect(graphqlLimitsOf(parseEnvironment(Environment, {}))).toEqual(GATEWAY_LIMITS);
    expect(
      graphqlLimitsOf(parseEnvironment(Environment, { GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_PAGE_SIZE: '50' })),
    ).toMatchObject({ maxDepth: 4, maxPageSize: 50 });
  });

  test('a page size above 100 and a non-positive limit are refused at start', () => {
    expect(() => parseEnvironment(Environment, { GRAPHQL_MAX_PAGE_SIZE: '500', GRAPHQL_MAX_ALIASES: '0' })).toThrow(
      EnvironmentError,
    );
    try {
      parseEnvironment(Environment, { GRAPHQL_MAX_PAGE_SIZE: '500', GRAPHQL_MAX_ALIASES: '0' });
    } catch (error) {
      expect((error as EnvironmentError).problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
        'GRAPHQL_MAX_ALIASES',
        'GRAPHQL_MAX_PAGE_SIZE',
      ]);
    }
  });
});
