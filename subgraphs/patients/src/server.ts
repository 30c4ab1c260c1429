import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createErrorFormatter,
  createLogger,
  createOrmOptions,
  DatabaseUnavailableError,
  graphqlLimitsOf,
  graphqlSecurity,
  type RunningService,
  startGraphQLService,
  SUBGRAPH_DATABASES,
} from '@healthsync/orm';
import { createPatientsContext, type PatientsContext, type PatientsServices } from './context.js';
import { entities } from './entities.js';
import type { PatientsConfig } from './environment.js';
import { resolvers } from './resolvers/index.js';

export { loadPatientsConfig, type PatientsConfig } from './environment.js';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The patients subgraph's Apollo server (no HTTP): what unit tests run `executeOperation` on. */
export function createPatientsApollo(config: PatientsConfig, logger = createLogger('patients', config.LOG_LEVEL)) {
  const isProduction = config.NODE_ENV === 'production';
  const security = graphqlSecurity({ limits: graphqlLimitsOf(config), production: isProduction });
  return new ApolloServer<PatientsContext>({
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }),
    formatError: createErrorFormatter(logger),
    ...security,
    plugins: [
      ...security.plugins,
      // Federated traces are for Apollo Studio, which we do not use; they would cost on every request.
      ApolloServerPluginInlineTraceDisabled(),
      isProduction
        ? ApolloServerPluginLandingPageProductionDefault()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
}

export interface PatientsServerOptions {
  /** Replaces the JWKS-backed verifier (tests sign their own tokens). */
  verifyAccessToken?: AccessTokenVerifier;
}

/** Builds the process-wide services: the verifier checks tokens against the users subgraph's JWKS. */
export function createPatientsServices(config: PatientsConfig, options: PatientsServerOptions = {}): PatientsServices {
  const verifyAccessToken =
    options.verifyAccessToken ??
    createAccessTokenVerifier({
      keys: config.JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      subgraphSecret: config.SUBGRAPH_SECRET,
    });
  return { config, verifyAccessToken };
}

/** The patients subgraph's MikroORM (`onQuery` sees every SQL statement: tests count them). */
export function initPatientsOrm(config: PatientsConfig, onQuery?: (sql: string) => void): Promise<MikroORM> {
  return MikroORM.init(
    createOrmOptions({
      subgraph: SUBGRAPH_DATABASES.patients,
      clientUrl: config.PATIENTS_DATABASE_URL,
      entities,
      poolSize: config.DATABASE_POOL_SIZE,
      ...(onQuery ? { onQuery } : {}),
    }),
  );
}

/** Starts the patients subgraph: ORM, Apollo, HTTP (GraphQL, health). */
export async function startPatientsServer(
  config: PatientsConfig,
  options: PatientsServerOptions = {},
): Promise<RunningService & { orm: MikroORM }> {
  const logger = createLogger('patients', config.LOG_LEVEL);
  const services = createPatientsServices(config, options);
  // MikroORM connects here: a database that is away is one clear line at start, not a stack trace.
  const orm = await initPatientsOrm(config).catch((error: unknown) => {
    throw new DatabaseUnavailableError(config.PATIENTS_DATABASE_URL, error);
  });
  try {
    const service = await startGraphQLService<PatientsContext>({
      name: 'patients subgraph',
      logger,
      host: config.HOST,
      port: config.PORT,
      bodyLimit: config.BODY_LIMIT,
      subgraphSecret: config.SUBGRAPH_SECRET,
      apollo: createPatientsApollo(config, logger),
      context: (scope) => createPatientsContext(scope, orm.em.fork(), services),
      readiness: async () => ({ database: (await orm.isConnected()) ? 'up' : 'down' }),
      onClose: () => orm.close(),
    });
    return { ...service, orm };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
