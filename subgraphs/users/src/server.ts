import { readFileSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import { createAccessTokenVerifier, PASSWORD_WORK_FULL_HEADER, REVOCATIONS_PATH } from '@healthsync/orm/auth';
import { createLogger, type Logger } from '@healthsync/orm';
import {
  createSubgraphApollo,
  startSubgraphService,
  type SubgraphPlugin,
  type RunningService,
} from '@healthsync/orm/http';
import { initSubgraphOrm, SUBGRAPH_DATABASES } from '@healthsync/orm/database';
import { ensureFirstAdmin } from './admins.js';
import { createUsersContext, type UsersContext, type UsersServices } from './context.js';
import { entities } from './entities.js';
import type { UsersConfig } from './environment.js';
import { loadSigningKeys } from './keys.js';
import { resolvers } from './resolvers/index.js';
import { createPasswordHasher, PasswordWorkFullError } from './passwords.js';
import { createRevocationHub, type RevocationHub } from './revocations.js';
import { createLoginThrottle, createSignUpThrottle } from './throttle.js';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The users subgraph's Apollo server (no HTTP): what unit tests run `executeOperation` on. */
export function createUsersApollo(config: UsersConfig, logger = createLogger('users', config.LOG_LEVEL)) {
  return createSubgraphApollo<UsersContext>({
    typeDefs,
    resolvers,
    config,
    logger,
    plugins: [passwordWorkFullHeader],
  });
}

/**
 * An answer that refused password work for a full hashing queue tells the gateway when the queue
 * takes work again (PASSWORD_WORK_FULL_HEADER): it refuses the next sign-ups and sign-ins itself
 * until then, so a flood costs this service and its database nothing while it lasts.
 */
const passwordWorkFullHeader: SubgraphPlugin<UsersContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ errors, response }) {
        if (!errors) return;
        const roomInMs = Math.max(
          0,
          ...errors.map((error) =>
            error.originalError instanceof PasswordWorkFullError ? error.originalError.roomInMs : 0,
          ),
        );
        if (roomInMs > 0) response.http.headers.set(PASSWORD_WORK_FULL_HEADER, String(roomInMs));
      },
    };
  },
};

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

/**
 * Builds the process-wide services of the users subgraph; `close` releases what they hold. With
 * `listen` (the server), revocations are pushed over the database channel and streamed to the
 * other services; without it (in-process tests) this process's copy is polled.
 */
export async function createUsersServices(
  config: UsersConfig,
  orm: MikroORM,
  { logger = createLogger('users', config.LOG_LEVEL), listen = false }: { logger?: Logger; listen?: boolean } = {},
): Promise<UsersServices & { hub: RevocationHub; close(): Promise<void> }> {
  const keys = await loadSigningKeys(config);
  // Read straight from the table here, pushed by the database (other replicas revoke too).
  const hub = createRevocationHub(orm, config, logger, { listen });
  const { revocations } = hub;
  const verifyAccessToken = createAccessTokenVerifier({
    keys: keys.keySet,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocations,
  });
  const knex = orm.em.getConnection().getKnex();
  const passwords = createPasswordHasher({ maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS });
  return {
    config,
    keys,
    verifyAccessToken,
    revocations,
    loginThrottle: createLoginThrottle(knex, config),
    signUpThrottle: createSignUpThrottle(knex, config),
    passwords,
    hub,
    close: async () => {
      await Promise.all([hub.close(), passwords.close()]);
    },
  };
}

/** Starts the users subgraph: ORM, Apollo, HTTP (GraphQL, JWKS, health). */
export async function startUsersServer(
  config: UsersConfig,
  { logger = createLogger('users', config.LOG_LEVEL) }: { logger?: Logger } = {},
): Promise<RunningService & { orm: MikroORM }> {
  const orm = await initUsersOrm(config);
  return startSubgraphService<UsersContext>(orm, async () => {
    const services = await createUsersServices(config, orm, { logger, listen: true });
    await ensureFirstAdmin(orm.em.fork(), services.passwords, config, logger).catch(async (error: unknown) => {
      await services.close();
      throw error;
    });
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
        app.get(REVOCATIONS_PATH, (req, res) => services.hub.serve(req, res));
      },
      onStopping: () => services.hub.stopStreaming(),
      onClose: () => services.close(),
    };
  });
}
