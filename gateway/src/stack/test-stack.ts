import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { type RunningStack, type StackOptions, startStack } from './stack.js';

/** Launcher options as the tests want them: free ports, quiet, test settings; `overrides` win. */
export function testStackOptions(overrides: Partial<StackOptions> & Pick<StackOptions, 'dataDir'>): StackOptions {
  return {
    ports: { edge: 0, gateway: 0, users: 0, patients: 0 },
    nginxBin: 'nginx',
    requireNginx: false,
    nodeEnv: 'test',
    logLevel: 'silent',
    output: 'quiet',
    log: () => {},
    ...overrides,
  };
}

export interface TestStackOptions {
  nodeEnv?: 'production' | 'development' | 'test';
  /** Default true: the edge under test is the real one, no silent fallback to the gateway answering it. */
  requireNginx?: boolean;
  /** Extra settings for every service (SUBGRAPH_SECRET, ADMIN_EMAIL…). */
  env?: Record<string, string>;
  /** Launcher options beyond these (TLS, log level, a listener for every child's output…). */
  launcher?: Partial<StackOptions>;
}

/**
 * The whole stack on free ports, as `npm start` runs it, nginx on the edge, on a fresh test
 * database: what the end-to-end tests (and the data CLIs' tests) talk to. `stop` removes it all.
 */
export async function startTestStack({ nodeEnv = 'test', requireNginx = true, env, launcher }: TestStackOptions = {}) {
  // Production services require a subgraph secret; a test that calls a subgraph directly sends it.
  const subgraphSecret =
    env?.SUBGRAPH_SECRET ?? (nodeEnv === 'production' ? randomBytes(32).toString('hex') : undefined);
  const serviceEnv = { ...env, ...(subgraphSecret ? { SUBGRAPH_SECRET: subgraphSecret } : {}) };
  const database: TestDatabase = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-stack-'));
  // nginx workers run unprivileged when we are root: they buffer large bodies (an import batch)
  // under this folder, which mkdtemp's 0700 would make a 500.
  chmodSync(dataDir, 0o755);
  let stack: RunningStack;
  try {
    stack = await startStack(
      testStackOptions({
        databaseUrl: database.adminUrl,
        rolePasswords: database.passwords,
        dataDir,
        requireNginx,
        nodeEnv,
        env: serviceEnv,
        ...launcher,
      }),
    );
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    await stack.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { stack, database, dataDir, edge: stack.urls.edge, subgraphSecret, stop };
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
