import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import {
  createAccessTokenVerifier,
  createErrorFormatter,
  createLogger,
  createOrmOptions,
  startGraphQLService,
  SUBGRAPH_DATABASES,
  type RunningService,
} from '@healthsync/orm';
import { createUsersContext, type UsersContext, type UsersServices } from './context.js';
import { entities } from './entities.js';
import type { UsersConfig } from './environment.js';
import { loadSigningKeys } from './keys.js';
import { resolvers } from './resolvers/index.js';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The users subgraph's Apollo server (no HTTP): what unit tests run `executeOperation` on. */
export function createUsersApollo(config: UsersConfig, logger = createLogger('users', config.LOG_LEVEL)) {
  const isProduction = config.NODE_ENV === 'production';
  return new ApolloServer<UsersContext>({
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }),
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    introspection: !isProduction,
    plugins: [
      isProduction
        ? ApolloServerPluginLandingPageProductionDefault()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
}

/** Builds the process-wide services of the users subgraph. */
export async function createUsersServices(config: UsersConfig): Promise<UsersServices> {
  const keys = await loadSigningKeys(config);
  const verifyAccessToken = createAccessTokenVerifier({
    keys: keys.keySet,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  return { config, keys, verifyAccessToken };
}

/** Starts the users subgraph: ORM, Apollo, HTTP (GraphQL, JWKS, health). */
export async function startUsersServer(config: UsersConfig): Promise<RunningService & { orm: MikroORM }> {
  const logger = createLogger('users', config.LOG_LEVEL);
  const services = await createUsersServices(config);
  const orm = await MikroORM.init(
    createOrmOptions({
      subgraph: SUBGRAPH_DATABASES.users,
      clientUrl: config.USERS_DATABASE_URL,
      entities,
      poolSize: config.DATABASE_POOL_SIZE,
    }),
  );
  try {
    const service = await startGraphQLService<UsersContext>({
      name: 'users subgraph',
      logger,
      host: config.HOST,
      port: config.PORT,
      bodyLimit: config.BODY_LIMIT,
      apollo: createUsersApollo(config, logger),
      context: (scope) => createUsersContext(scope, orm.em.fork(), services),
      routes: (app) => {
        app.get('/.well-known/jwks.json', (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          res.json(services.keys.jwks);
        });
      },
      readiness: async () => ({ database: (await orm.isConnected()) ? 'up' : 'down' }),
      onClose: () => orm.close(),
    });
    return { ...service, orm };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
