import { readFileSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import { type AccessTokenVerifier, createRemoteAccessTokenVerifier } from '@healthsync/orm/auth';
import { createLogger } from '@healthsync/orm';
import { createSubgraphApollo, type RunningService, startSubgraphService } from '@healthsync/orm/http';
import { initSubgraphOrm, SUBGRAPH_DATABASES } from '@healthsync/orm/database';
import { auditFlushPlugin } from './audit.js';
import { createPatientsContext, type PatientsContext, type PatientsServices } from './context.js';
import { entities } from './entities.js';
import type { PatientsConfig } from './environment.js';
import { SemanticMatcher } from './nl-search/semantic.js';
import { VocabularyCache } from './nl-search/vocabulary.js';
import { resolvers } from './resolvers/index.js';

export { loadPatientsConfig, type PatientsConfig } from './environment.js';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The patients subgraph's Apollo server (no HTTP): what unit tests run `executeOperation` on. */
export function createPatientsApollo(config: PatientsConfig, logger = createLogger('patients', config.LOG_LEVEL)) {
  const apollo = createSubgraphApollo<PatientsContext>({ typeDefs, resolvers, config, logger });
  apollo.addPlugin(auditFlushPlugin());
  // A mutation's answer, and whatever the request reads after it, must see its own write.
  apollo.addPlugin({
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation, contextValue }) => {
        if (operation?.operation === 'mutation') contextValue.reads.usePrimary();
      },
    }),
  });
  return apollo;
}

export interface PatientsServerOptions {
  /** Replaces the JWKS-backed verifier (tests sign their own tokens). */
  verifyAccessToken?: AccessTokenVerifier;
  /** The benchmark's baseline only (PatientsServices.searchAudit). */
  searchAudit?: PatientsServices['searchAudit'];
}

/** Builds the process-wide services: the verifier checks tokens against the users subgraph's JWKS. */
export function createPatientsServices(config: PatientsConfig, options: PatientsServerOptions = {}): PatientsServices {
  const searchAudit = options.searchAudit ?? 'each patient';
  const searchVocabulary = new VocabularyCache();
  const searchSemantic = config.NL_SEARCH_SEMANTIC === 'on' ? new SemanticMatcher() : null;
  const search = { searchAudit, searchVocabulary, searchSemantic };
  if (options.verifyAccessToken)
    return { config, verifyAccessToken: options.verifyAccessToken, close: () => {}, ...search };
  const { verify, close } = createRemoteAccessTokenVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    subgraphSecret: config.SUBGRAPH_SECRET,
  });
  return { config, verifyAccessToken: verify, close, ...search };
}

/** The patients subgraph's MikroORM (`onQuery` sees every SQL statement: tests count them). */
export function initPatientsOrm(config: PatientsConfig, onQuery?: (sql: string) => void): Promise<MikroORM> {
  return initSubgraphOrm({
    subgraph: SUBGRAPH_DATABASES.patients,
    clientUrl: config.PATIENTS_DATABASE_URL,
    replicaUrls: config.DATABASE_REPLICA_URLS,
    entities,
    poolSize: config.DATABASE_POOL_SIZE,
    ...(onQuery ? { onQuery } : {}),
  });
}

/** Starts the patients subgraph: ORM, Apollo, HTTP (GraphQL, health). */
export async function startPatientsServer(
  config: PatientsConfig,
  options: PatientsServerOptions = {},
): Promise<RunningService & { orm: MikroORM }> {
  const logger = createLogger('patients', config.LOG_LEVEL);
  const services = createPatientsServices(config, options);
  const orm = await initPatientsOrm(config);
  return startSubgraphService<PatientsContext>(orm, async () => ({
    name: 'patients subgraph',
    logger,
    config,
    apollo: createPatientsApollo(config, logger),
    context: (scope, em) => createPatientsContext(scope, em, services),
    onClose: async () => services.close(),
  }));
}
