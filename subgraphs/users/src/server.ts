import { readFileSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import {
  createAccessTokenVerifier,
  createLogger,
  createRevocationCache,
  createSubgraphApollo,
  initSubgraphOrm,
  startSubgraphService,
  REVOCATIONS_PATH,
  SUBGRAPH_DATABASES,
  type RunningService,
} from '@healthsync/orm';
import { ensureFirstAdmin } from './admins.js';
import { createUsersContext, type UsersContext, type UsersServices } from './context.js';
import { entities } from './entities.js';
import type { UsersConfig } from './environment.js';
import { loadSigningKeys } from './keys.js';
import { resolvers } from './resolvers/index.js';
import { createLoginThrottle } from './throttle.js';
import { loadRevocationList } from './tokens.js';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The users subgraph's Apollo server (no HTTP): what unit tests run `executeOperation` on. */
export function createUsersApollo(config: UsersConfig, logger = createLogger('users', config.LOG_LEVEL)) {
  return createSubgraphApollo<UsersContext>({ typeDefs, resolvers, config, logger });
}

/** The users subgraph's MikroORM (`onQuery` sees every SQL statement: tests count them). */
export function initUsersOrm(config: UsersConfig, onQuery?: (sql: string) => void): Promise<MikroORM> {
  return initSubgraphOrm({
    subgraph: SUBGRAPH_DATABASES.users,
    clientUrl: config.USERS_DATABASE_URL,
    entities,
    poolSize: config.DATABASE_POOL_SIZE,
    ...(onQuery ? { onQuery } : {}),
  });
}

/** Builds the process-wide services of the users subgraph. */
export async function createUsersServices(config: UsersConfig, orm: MikroORM): Promise<UsersServices> {
  const keys = await loadSigningKeys(config);
  // Read straight from the table here, cached like everywhere else (other replicas revoke too).
  const revocations = createRevocationCache(() => loadRevocationList(orm.em.fork(), config));
  const verifyAccessToken = createAccessTokenVerifier({
    keys: keys.keySet,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocations,
  });
  const loginThrottle = createLoginThrottle(orm.em.getConnection().getKnex(), config);
  return { config, keys, verifyAccessToken, revocations, loginThrottle };
}

/** Starts the users subgraph: ORM, Apollo, HTTP (GraphQL, JWKS, health). */
export async function startUsersServer(config: UsersConfig): Promise<RunningService & { orm: MikroORM }> {
  const logger = createLogger('users', config.LOG_LEVEL);
  const orm = await initUsersOrm(config);
  return startSubgraphService<UsersContext>(orm, async () => {
    const services = await createUsersServices(config, orm);
    await ensureFirstAdmin(orm.em.fork(), config, logger);
    return {
      name: 'users subgraph',
      logger,
      config,
      apollo: createUsersApollo(config, logger),
      context: (scope, em) => createUsersContext(scope, em, services),
      routes: (app) => {
        app.get('/.well-known/jwks.json', (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          res.json(services.keys.jwks);
        });
        // Behind SUBGRAPH_SECRET when set; NGINX does not route /internal.
        app.get(REVOCATIONS_PATH, async (_req, res) => {
          res.setHeader('cache-control', 'no-store');
          res.json(await loadRevocationList(orm.em.fork(), config));
        });
      },
    };
  });
}
