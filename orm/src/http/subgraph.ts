import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { DocumentNode } from 'graphql';
import { setTimeout as sleep } from 'node:timers/promises';
import { createErrorFormatter } from '../errors.js';
import type { Logger } from '../logger.js';
import { landingPage } from './explorer.js';
import { graphqlLimitsOf, graphqlSecurity } from './security.js';
import { type GraphQLServiceOptions, type RequestScope, type RunningService, startGraphQLService } from './service.js';

/** A plugin of one subgraph's Apollo server (its own, beside the shared ones). */
export type SubgraphPlugin<TContext extends BaseContext> = ApolloServerPlugin<TContext>;

export interface SubgraphApolloOptions<TContext extends BaseContext = BaseContext> {
  /** The subgraph's schema.graphql, parsed (it opens with the Federation `@link`). */
  typeDefs: DocumentNode;
  /** The generated `Resolvers` type of the subgraph; Apollo's own map type is looser. */
  resolvers: object;
  config: Parameters<typeof graphqlLimitsOf>[0] & { NODE_ENV: 'development' | 'test' | 'production' };
  logger: Logger;
  /** The subgraph's own plugins, after the shared ones. */
  plugins?: SubgraphPlugin<TContext>[];
}

/**
 * A subgraph's Apollo server (no HTTP; `startGraphQLService` serves it, tests call
 * `executeOperation` on it): errors masked by `createErrorFormatter`, the GraphQL limits of its
 * environment, no introspection or landing page sandbox in production (in development Sandbox
 * links to the local explorer).
 */
export function createSubgraphApollo<TContext extends BaseContext>(options: SubgraphApolloOptions<TContext>) {
  const { config, logger } = options;
  const isProduction = config.NODE_ENV === 'production';
  const security = graphqlSecurity({ limits: graphqlLimitsOf(config), production: isProduction });
  return new ApolloServer<TContext>({
    schema: buildSubgraphSchema({
      typeDefs: options.typeDefs,
      resolvers: options.resolvers as GraphQLResolverMap<unknown>,
    }),
    formatError: createErrorFormatter(logger),
    ...security,
    plugins: [
      ...security.plugins,
      // Federated traces are for Apollo Studio, which we do not use: they would go to the gateway
      // in an extension of every response, and cost on every request.
      ApolloServerPluginInlineTraceDisabled(),
      landingPage(isProduction),
      ...(options.plugins ?? []),
    ],
  });
}

/** How long /health/ready waits for the database's answer. */
const READINESS_TIMEOUT_MS = 2_000;

export interface SubgraphServiceOptions<TContext extends BaseContext> {
  name: string;
  logger: Logger;
  /** The HTTP settings of the subgraph's environment (serviceEnvironment). */
  config: {
    NODE_ENV: 'development' | 'test' | 'production';
    HOST: string;
    PORT: number;
    BODY_LIMIT: string;
    TRUST_PROXY: string | number;
    SUBGRAPH_SECRET?: string | undefined;
  };
  apollo: ApolloServer<TContext>;
  /** `em` is the request's own fork of the ORM's entity manager (one unit of work per request). */
  context: (scope: RequestScope, em: EntityManager) => Promise<TContext>;
  routes?: GraphQLServiceOptions<TContext>['routes'];
  onStopping?: GraphQLServiceOptions<TContext>['onStopping'];
  /** Releases what the subgraph holds besides its pool (closed after this). */
  onClose?: () => Promise<void>;
}

/**
 * Serves a subgraph over HTTP on `orm`: the database decides readiness and the pool closes on
 * stop. `build` makes what the service needs once the database is there; when it or the start
 * fails, the pool is closed before the error goes on (a process that failed to start exits).
 */
export async function startSubgraphService<TContext extends BaseContext>(
  orm: MikroORM,
  build: () => Promise<SubgraphServiceOptions<TContext>>,
): Promise<RunningService & { orm: MikroORM }> {
  try {
    const { config, context, onClose, ...options } = await build();
    const service = await startGraphQLService<TContext>({
      ...options,
      host: config.HOST,
      port: config.PORT,
      bodyLimit: config.BODY_LIMIT,
      trustProxy: config.TRUST_PROXY,
      subgraphSecret: config.SUBGRAPH_SECRET,
      explorer: config.NODE_ENV !== 'production',
      context: (scope) => context(scope, orm.em.fork()),
      // A database that does not answer is down (not a probe that hangs with it).
      readiness: async () => ({
        database: (await Promise.race([orm.isConnected(), sleep(READINESS_TIMEOUT_MS, false, { ref: false })]))
          ? 'up'
          : 'down',
      }),
      onClose: async () => {
        await onClose?.();
        await orm.close();
      },
    });
    return { ...service, orm };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
