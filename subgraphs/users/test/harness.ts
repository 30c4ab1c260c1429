import { randomUUID } from 'node:crypto';
import { AppError, createLogger } from '@healthsync/orm';
import type { Role } from '@healthsync/orm/auth';
import { withClient } from '@healthsync/orm/database';
import { type TestDatabase, temporaryFolder } from '@healthsync/orm/testing';
import { createUsersContext, type UsersContext } from '../src/context.js';
import { User } from '../src/entities.js';
import { loadUsersConfig, type UsersConfig } from '../src/environment.js';
import { createUsersApollo, createUsersServices, initUsersOrm, startUsersServer } from '../src/server.js';
import { issueTokens } from '../src/tokens.js';

export type GraphQLResult = {
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the query asked for
  data?: Record<string, any> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
};

export const TEST_PASSWORD = 'correct horse battery';

/** Users subgraph config for a test database, with throwaway signing keys. */
export function testUsersConfig(database: TestDatabase, overrides: Record<string, string> = {}): UsersConfig {
  return loadUsersConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    USERS_DATABASE_URL: database.urls.users,
    KEYS_DIR: temporaryFolder('healthsync-keys-'),
    ...overrides,
  });
}

/**
 * An in-process users subgraph (Apollo without HTTP) on a test database: `execute` runs an
 * operation as Apollo would for a request carrying `token`. `sql` records every statement.
 */
export async function createUsersHarness(database: TestDatabase, overrides: Record<string, string> = {}) {
  const config = testUsersConfig(database, overrides);
  const sql: string[] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: MikroORM colours its query log
  const orm = await initUsersOrm(config, (line) => sql.push(line.replace(/\x1b\[[0-9;]*m/g, '')));
  const services = await createUsersServices(config, orm, { logger: createLogger('users', 'silent') });
  const apollo = createUsersApollo(config, createLogger('users', 'silent'));
  await apollo.start();

  const execute = async (
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
    { ip = '192.0.2.1' } = {},
  ): Promise<GraphQLResult> => {
    const req = { headers: token ? { authorization: `Bearer ${token}` } : {}, ip };
    let contextValue: UsersContext;
    try {
      contextValue = await createUsersContext(
        { req, res: {}, requestId: 'test', logger: createLogger('users', 'silent') } as never,
        orm.em.fork(),
        services,
      );
    } catch (error) {
      // Over HTTP this is the 401 answer, before any resolver runs.
      if (!(error instanceof AppError)) throw error;
      return { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] };
    }
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as GraphQLResult;
  };

  // argon2 is slow on purpose: one hash of the usual test password serves every test user.
  const testPasswordHash = services.passwords.hash(TEST_PASSWORD);

  /** Test builder: a user with `role`, a valid access token and a refresh token for them. */
  const createTestUser = async ({
    role = 'CLINICIAN' as Role,
    email = `user-${randomUUID()}@example.org`,
    password = TEST_PASSWORD,
  } = {}) => {
    const em = orm.em.fork();
    const user = em.create(User, {
      id: randomUUID(),
      email,
      name: 'Test User',
      role,
      state: 'ACTIVE',
      passwordHash: await (password === TEST_PASSWORD ? testPasswordHash : services.passwords.hash(password)),
    });
    const tokens = await issueTokens(em, user, services.keys, config);
    await em.flush();
    return { user, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, password };
  };

  /** One statement as the schema owner, behind the service's back (on a connection of its own). */
  const adminQuery = (text: string, values?: unknown[]) =>
    withClient(database.adminUrl, (client) => client.query(text, values));

  const stop = async () => {
    await apollo.stop();
    await services.close();
    await orm.close();
  };
  return { config, services, orm, sql, execute, createTestUser, adminQuery, stop };
}

export type UsersHarness = Awaited<ReturnType<typeof createUsersHarness>>;

/** The users subgraph over real HTTP on a free port; `post` sends one GraphQL request. */
export async function startUsersHttp(
  database: TestDatabase,
  overrides: Record<string, string> = {},
  options: Parameters<typeof startUsersServer>[1] = {},
) {
  const config = testUsersConfig(database, overrides);
  const server = await startUsersServer(config, options);
  const post = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResult };
  };
  return { config, server, post, origin: new URL(server.url).origin };
}
