import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import type { StackOptions } from './stack.js';
import { startThrowawayStack, type ThrowawayStackOptions } from './throwaway.js';

/** Launcher options as the tests want them: free ports, quiet, test settings. */
const TEST_LAUNCHER = {
  ports: { edge: 0, gateway: 0, users: 0, patients: 0 },
  nginxBin: 'nginx',
  requireNginx: false,
  nodeEnv: 'test',
  logLevel: 'silent',
  output: 'quiet',
  log: () => {},
} satisfies Partial<StackOptions>;

/** The tests' launcher options with `overrides` (a test that starts the launcher itself). */
export function testStackOptions(overrides: Partial<StackOptions> & Pick<StackOptions, 'dataDir'>): StackOptions {
  return { ...TEST_LAUNCHER, ...overrides };
}

export interface TestStackOptions {
  nodeEnv?: 'production' | 'development' | 'test';
  /** Default true: the edge under test is the real one, no silent fallback to the gateway answering it. */
  requireNginx?: boolean;
  /** Extra settings for every service (SUBGRAPH_SECRET, ADMIN_EMAIL…). */
  env?: Record<string, string>;
  /** Launcher options beyond these (TLS, log level, a listener for every child's output…). */
  launcher?: Partial<ThrowawayStackOptions['launcher']>;
}

/**
 * The whole stack on free ports, as `npm start` runs it, nginx on the edge, on a fresh test
 * database (a throwaway stack, throwaway.ts): what the end-to-end tests (and the data CLIs'
 * tests) talk to. `stop` removes it all.
 */
export async function startTestStack({ nodeEnv = 'test', requireNginx = true, env, launcher }: TestStackOptions = {}) {
  // Production services require a subgraph secret; a test that calls a subgraph directly sends it.
  const subgraphSecret =
    env?.SUBGRAPH_SECRET ?? (nodeEnv === 'production' ? randomBytes(32).toString('hex') : undefined);
  const serviceEnv = { ...env, ...(subgraphSecret ? { SUBGRAPH_SECRET: subgraphSecret } : {}) };
  let database: TestDatabase | undefined;
  const throwaway = await startThrowawayStack({
    prefix: 'healthsync-stack-',
    makeDatabase: async () => {
      const made = await createTestDatabase();
      database = made;
      return { adminUrl: made.adminUrl, passwords: made.passwords, remove: () => made.drop() };
    },
    launcher: { ...TEST_LAUNCHER, requireNginx, nodeEnv, env: serviceEnv, ...launcher },
  });
  const { stack } = throwaway;
  return {
    stack,
    database: database as TestDatabase,
    dataDir: throwaway.workDir,
    edge: stack.urls.edge,
    subgraphSecret,
    stop: throwaway.stop,
  };
}
export type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** A test file's stack: started before its tests, stopped after them; the getter reads it in a test. */
export function useTestStack(options: TestStackOptions = {}): () => TestStack {
  let testStack: TestStack | undefined;
  beforeAll(async () => {
    testStack = await startTestStack(options);
  }, 120_000);
  afterAll(async () => {
    await testStack?.stop();
  }, 60_000);
  return () => {
    if (!testStack) throw new Error('the test stack has not started');
    return testStack;
  };
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: each operation's data has its own shape
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One POST to a GraphQL endpoint: `body` goes as JSON, or as is when a string (a malformed one). */
export async function postGraphQL(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as Pick<GraphQLResponse, 'data' | 'errors'>;
  return { status: response.status, headers: response.headers, text, ...parsed };
}

/** The Authorization header of a request made with `token`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The code of an answer's first error. */
export const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

/** A query with its variables, POSTed to `url`. */
export const graphql = (
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) => postGraphQL(url, { query, variables }, headers);
