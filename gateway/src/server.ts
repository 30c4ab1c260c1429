import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { createErrorFormatter, createLogger, type Logger } from '@healthsync/orm';
import { createRemoteAccessTokenVerifier } from '@healthsync/orm/auth';
import {
  type DependencyState,
  graphqlLimitsOf,
  HEALTH_PATHS,
  graphqlSecurity,
  landingPage,
  type RunningService,
  startGraphQLService,
} from '@healthsync/orm/http';
import { createGatewayContext, type GatewayContext } from './context.js';
import { createSubgraphAgent, SubgraphDataSource } from './datasource.js';
import { EntityCache } from './entity-cache.js';
import type { GatewayConfig } from './environment.js';
import { PasswordWorkGate } from './password-work.js';
import { SubgraphReplicas } from './replicas.js';
import { attachScalarImplementations } from './scalars.js';

export { type GatewayConfig, loadGatewayConfig } from './environment.js';

/** Routing URL overrides from the environment (each subgraph's replicas), by subgraph name as rover.yaml spells it. */
function subgraphUrlOverrides(config: GatewayConfig): Record<string, string[] | undefined> {
  return { users: config.USERS_URL, patients: config.PATIENTS_URL };
}

/**
 * The gateway's Apollo server over the static supergraph (no HTTP): Apollo's usage reporting,
 * schema reporting and the subgraphs' inline traces stay off whatever APOLLO_* variables say.
 */
export function createGatewayApollo(config: GatewayConfig, logger: Logger) {
  const overrides = subgraphUrlOverrides(config);
  const agent = createSubgraphAgent();
  // Only the users subgraph's entities (accounts: who created or changed a record) are kept; a
  // patient record is read through its own subgraph on every request, where each read is audited.
  const userEntities =
    config.ENTITY_CACHE_TTL_SECONDS > 0
      ? new EntityCache({ ttlSeconds: config.ENTITY_CACHE_TTL_SECONDS, maxEntries: config.ENTITY_CACHE_MAX_ENTRIES })
      : undefined;
  /** Where each subgraph's replicas are called, as the gateway resolved them: what readiness probes. */
  const routing = new Map<string, SubgraphReplicas>();
  const passwordWork = new PasswordWorkGate(logger);
  // @apollo/gateway reports usage metrics to Apollo's servers (and probes cloud metadata
  // endpoints) unless this is set: a clinic's gateway reports to no one. The library reads it from
  // the environment as it is constructed, so it is set here, whatever the deployment says.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(config.SUPERGRAPH_FILE, 'utf8'),
    buildService: ({ name, url }) => {
      const urls = overrides[name] ?? (url ? [url] : []);
      if (!urls.length) throw new Error(`the supergraph gives no URL for subgraph ${name}`);
      const replicas = new SubgraphReplicas(urls);
      routing.set(name, replicas);
      if (name === 'users') passwordWork.watch(replicas);
      return new SubgraphDataSource({
        name,
        replicas,
        timeoutMs: config.SUBGRAPH_TIMEOUT_SECONDS * 1000,
        logger,
        agent,
        subgraphSecret: config.SUBGRAPH_SECRET,
        entityCache: name === 'users' ? userEntities : undefined,
        passwordWork: name === 'users' ? passwordWork : undefined,
      });
    },
    logger,
    // Query plans are kept per operation in an in-memory LRU of about this many MiB (Apollo's
    // default, stated here on purpose): an operation is planned once per replica, not per request.
    experimental_approximateQueryPlanStoreMiB: 30,
  });
  const isProduction = config.NODE_ENV === 'production';
  // The public edge's limits (gateway/README.md, "Limits"); in production no introspection and no suggestions.
  const security = graphqlSecurity({ limits: graphqlLimitsOf(config), production: isProduction });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Automatic persisted queries: a client may send a query's hash instead of its text once this
    // replica has seen it (a miss costs the client one retry with the text). Entries live as long
    // as Apollo's bounded in-memory cache keeps them. Subgraphs keep the default too: the gateway
    // always sends them the full text, so there it is never used.
    persistedQueries: { ttl: null },
    formatError: createErrorFormatter(logger),
    ...security,
    plugins: [
      ...security.plugins,
      // Once the supergraph is loaded, before the first request: a failure here fails the start.
      { serverWillStart: async ({ schema }) => void attachScalarImplementations(schema) },
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      landingPage(isProduction),
      passwordWork.plugin(),
    ],
  });
  return {
    apollo,
    closeConnections: async () => {
      for (const replicas of routing.values()) replicas.close();
      await agent.close();
    },
    routing,
  };
}

/** Each subgraph's own readiness (its database included), asked with a short timeout: up when one replica is. */
async function subgraphStates(routing: Map<string, SubgraphReplicas>): Promise<Record<string, DependencyState>> {
  const readyAt = (url: URL) =>
    fetch(new URL(HEALTH_PATHS.ready, url), { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
  const states = await Promise.all(
    [...routing].map(async ([name, { replicas }]) => {
      const ready = (await Promise.all(replicas.map((replica) => readyAt(replica.url)))).some(Boolean);
      return [name, ready ? 'up' : 'down'] as const;
    }),
  );
  return Object.fromEntries(states);
}

/** Starts the gateway: token check, static supergraph, HTTP with health and request ids. */
export async function startGatewayServer(config: GatewayConfig): Promise<RunningService> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const tokens = createRemoteAccessTokenVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    subgraphSecret: config.SUBGRAPH_SECRET,
  });
  const { apollo, closeConnections, routing } = createGatewayApollo(config, logger);
  return startGraphQLService<GatewayContext>({
    name: 'gateway',
    logger,
    host: config.HOST,
    port: config.PORT,
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    explorer: config.NODE_ENV !== 'production',
    apollo,
    context: (scope) => createGatewayContext(scope, tokens.verify),
    // The supergraph is static and was loaded by apollo.start(): serving means ready.
    readiness: async () => ({ supergraph: 'up' }),
    // Reported, not required: with one subgraph down the gateway still answers the others' fields,
    // so it stays in rotation (status `degraded`) rather than taking the whole API down.
    reported: () => subgraphStates(routing),
    onClose: async () => {
      tokens.close();
      await closeConnections();
    },
  });
}
