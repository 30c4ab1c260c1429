import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmOptions, createLogger, SUBGRAPH_DATABASES, type Role } from '@healthsync/orm';
import type { TestDatabase } from '@healthsync/orm/testing';
import { createUsersContext, type UsersServices } from '../src/context.js';
import { entities, User } from '../src/entities.js';
import { loadUsersConfig, type UsersConfig } from '../src/environment.js';
import { hashPassword } from '../src/passwords.js';
import { createUsersApollo, createUsersServices } from '../src/server.js';
import { issueTokens } from '../src/tokens.js';

/** Users subgraph config for a test database, with throwaway signing keys. */
export function testUsersConfig(database: TestDatabase, overrides: Record<string, string> = {}): UsersConfig {
  return loadUsersConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    USERS_DATABASE_URL: database.urls.users,
    KEYS_DIR: mkdtempSync(path.join(os.tmpdir(), 'healthsync-keys-')),
    ...overrides,
  });
}

/**
 * An in-process users subgraph (Apollo without HTTP) on a test database: `execute` runs an
 * operation as Apollo would for a request carrying `token`.
 */
export async function createUsersHarness(database: TestDatabase) {
  const config = testUsersConfig(database);
  const services: UsersServices = await createUsersServices(config);
  const orm = await MikroORM.init(
    createOrmOptions({ subgraph: SUBGRAPH_DATABASES.users, clientUrl: config.USERS_DATABASE_URL, entities }),
  );
  const apollo = createUsersApollo(config, createLogger('users', 'silent'));
  await apollo.start();

  const execute = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const req = { headers: token ? { authorization: `Bearer ${token}` } : {} };
    const contextValue = await createUsersContext(
      { req, res: {}, requestId: 'test', logger: createLogger('users', 'silent') } as never,
      orm.em.fork(),
      services,
    );
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as {
      data?: Record<string, any> | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
  };

  /** Test builder: a user with `role` and a valid access token for them. */
  const createTestUser = async ({
    role = 'CLINICIAN' as Role,
    email = `user-${Math.random().toString(36).slice(2)}@example.org`,
  } = {}) => {
    const em = orm.em.fork();
    const user = em.create(User, {
      id: randomUUID(),
      email,
      name: 'Test User',
      role,
      passwordHash: await hashPassword('correct horse battery'),
    });
    const tokens = await issueTokens(em, user, services.keys, config);
    await em.flush();
    return { user, accessToken: tokens.accessToken, password: 'correct horse battery' };
  };

  const stop = async () => {
    await apollo.stop();
    await orm.close();
  };
  return { config, services, orm, execute, createTestUser, stop };
}
