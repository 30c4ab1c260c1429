import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import { createErrorFormatter } from '../errors.js';
import type { Logger } from '../logger.js';
import { graphqlLimitsOf, graphqlSecurity } from './security.js';

export interface SubgraphApolloOptions {
  /** The subgraph's schema.graphql, parsed (it opens with the Federation `@link`). */
  typeDefs: DocumentNode;
  /** The generated `Resolvers` type of the subgraph; Apollo's own map type is looser. */
  resolvers: object;
  config: Parameters<typeof graphqlLimitsOf>[0] & { NODE_ENV: 'development' | 'test' | 'production' };
  logger: Logger;
}

/**
 * A subgraph's Apollo server (no HTTP; `startGraphQLService` serves it, tests call
 * `executeOperation` on it): errors masked by `createErrorFormatter`, the GraphQL limits of its
 * environment, no introspection or landing page sandbox in production.
 */
export function createSubgraphApollo<TContext extends BaseContext>(options: SubgraphApolloOptions) {
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
      isProduction
        ? ApolloServerPluginLandingPageProductionDefault()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
}
