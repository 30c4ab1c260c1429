import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Request, type Response } from 'express';
import { SUBGRAPH_SECRET_HEADER } from '../auth/revocations.js';
import { type Logger, withRequestLogger } from '../logger.js';
import { mountExplorer } from './explorer.js';

/** Per-request facts every service's context starts from. */
export interface RequestScope {
  requestId: string;
  logger: Logger;
  req: Request;
  res: Response;
}

export type DependencyState = 'up' | 'down';

export interface GraphQLServiceOptions<TContext extends BaseContext> {
  name: string;
  logger: Logger;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  apollo: ApolloServer<TContext>;
  context: (scope: RequestScope) => Promise<TContext>;
  /** Largest accepted JSON body, e.g. '1mb': explicit, not a framework default. */
  bodyLimit: string;
  /** Serve the self-contained GraphQL explorer at /explorer (development only, like Sandbox). */
  explorer?: boolean;
  /** Extra routes mounted before /graphql (e.g. the JWKS document). */
  routes?: (app: express.Express) => void;
  /** Each dependency's state for /health/ready: any one down makes the service unready (503). */
  readiness?: () => Promise<Record<string, DependencyState>>;
  /**
   * Dependencies /health/ready reports without being decided by them: one down makes the status
   * `degraded`, still 200 (a gateway keeps serving partial answers when one subgraph is away).
   */
  reported?: () => Promise<Record<string, DependencyState>>;
  /** Releases what the service holds (database pool…) after the last request finished. */
  onClose?: () => Promise<void>;
  /**
   * Called as the stop begins: ends the responses that would never finish by themselves (the
   * revocation stream), so the drain does not wait its whole timeout for them.
   */
  onStopping?: () => void;
  /** How long in-flight requests may take to finish on stop. */
  drainTimeoutMs?: number;
  /**
   * How long a stopping service keeps accepting requests while /health/ready answers 503, so a
   * load balancer that probes readiness takes it out of rotation before it refuses connections.
   */
  shutdownDelayMs?: number;
  /**
   * Opt-in (SUBGRAPH_SECRET): /graphql and /internal/* answer 401 to a request whose
   * SUBGRAPH_SECRET_HEADER is not this value; health and JWKS stay open.
   */
  subgraphSecret?: string | undefined;
  /**
   * express's `trust proxy` (TRUST_PROXY): the peers whose X-Forwarded-For gives `req.ip`.
   * Default `loopback`: a proxy on this machine (npm start's NGINX), no one else.
   */
  trustProxy?: string | number;
}

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Where every service answers its health probes (Dockerfiles and the launcher probe these).
 * `public` is what nginx serves as /health: readiness's status alone, naming no dependency.
 */
export const HEALTH_PATHS = { live: '/health/live', ready: '/health/ready', public: '/health' } as const;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the request log line says of a GraphQL request, filled in by Apollo once it answered. */
interface RequestOutcome {
  operationName?: string | undefined;
  errorCodes?: string[];
}

/**
 * Where a request's context carries its RequestOutcome to the plugin. A symbol-keyed own
 * property, because Apollo hands resolvers and plugins a shallow copy of the context.
 */
const OUTCOME = Symbol('request outcome');

/**
 * Apollo installs its own SIGINT/SIGTERM handler outside tests unless told otherwise: it stops
 * Apollo, then kills the process with the same signal, cutting the drain short (exit 143).
 * Shutdown belongs to `stop()` below, whatever options the service built its ApolloServer with.
 */
function disableApolloSignalHandlers(apollo: object): void {
  const internals = (apollo as unknown as { internals?: { stopOnTerminationSignals?: boolean } }).internals;
  if (!internals) throw new Error('@apollo/server changed: cannot turn off its own termination-signal handlers');
  internals.stopOnTerminationSignals = false;
}

/** The caller's request id when it is sane, a fresh one otherwise. */
function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Middleware refusing requests without `secret` in SUBGRAPH_SECRET_HEADER (constant-time compare). */
function requireSubgraphSecret(secret: string): express.RequestHandler {
  const expected = digest(secret);
  return (req, res, next) => {
    const given = req.headers[SUBGRAPH_SECRET_HEADER];
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).json({ errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }] });
  };
}

/** What the request tracking and the stop share: whether the service is stopping, the responses under way. */
interface Lifecycle {
  stopping: boolean;
  inFlight: Set<Response>;
}

/**
 * Every request: its id (the caller's when sane) on the response and on a child logger, counted
 * while in flight, and one JSON log line when it finished (not for health probes).
 */
function trackRequests(logger: Logger, lifecycle: Lifecycle): express.RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    res.locals.logger = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    // Past this point the socket closes after the response, so a stop is not held up by keep-alive.
    if (lifecycle.stopping) res.setHeader('connection', 'close');
    const started = process.hrtime.bigint();
    lifecycle.inFlight.add(res);
    res.on('close', () => lifecycle.inFlight.delete(res));
    res.on('finish', () => {
      const requestLog = res.locals.logger as Logger;
      // The line is built only when it is written (LOG_LEVEL=warn leaves it out).
      if (!requestLog.isLevelEnabled('info') || req.path.startsWith('/health')) return;
      const body = req.body as { operationName?: unknown } | undefined;
      const outcome = res.locals.outcome as RequestOutcome | undefined;
      const operationName = outcome?.operationName ?? body?.operationName;
      requestLog.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          operationName: typeof operationName === 'string' ? operationName : undefined,
          outcome: res.statusCode >= 400 || outcome?.errorCodes?.length ? 'error' : 'success',
          errorCodes: outcome?.errorCodes?.length ? outcome.errorCodes : undefined,
        },
        'request',
      );
    });
    next();
  };
}

/** The health endpoints: live while the process answers; ready while every required dependency is up and no stop began. */
function mountHealth<TContext extends BaseContext>(
  app: express.Express,
  options: Pick<GraphQLServiceOptions<TContext>, 'readiness' | 'reported'>,
  lifecycle: Lifecycle,
): void {
  app.get(HEALTH_PATHS.live, (_req, res) => {
    res.json({ status: 'up' });
  });
  const readiness = async () => {
    const [required, reported] = lifecycle.stopping
      ? [{}, {}]
      : await Promise.all([
          options.readiness?.().catch(() => ({ self: 'down' as const })) ?? {},
          options.reported?.().catch(() => ({})) ?? {},
        ]);
    const isUp = (states: Record<string, DependencyState>) => Object.values(states).every((state) => state === 'up');
    const ready = !lifecycle.stopping && isUp(required);
    const status = !ready ? 'down' : isUp(reported) ? 'up' : 'degraded';
    return { ready, status, dependencies: { ...required, ...reported } };
  };
  app.get(HEALTH_PATHS.ready, async (_req, res) => {
    const { ready, status, dependencies } = await readiness();
    res.status(ready ? 200 : 503).json({ status, stopping: lifecycle.stopping, dependencies });
  });
  app.get(HEALTH_PATHS.public, async (_req, res) => {
    const { ready, status } = await readiness();
    res.status(ready ? 200 : 503).json({ status });
  });
}

/** Apollo on /graphql (started): never cached, the explicit body limit, the request's logger for formatError, the context. */
function mountGraphQL<TContext extends BaseContext>(
  app: express.Express,
  options: GraphQLServiceOptions<TContext>,
): void {
  app.use(
    '/graphql',
    (_req: Request, res: Response, next: express.NextFunction) => {
      res.setHeader('cache-control', 'no-store');
      next();
    },
    express.json({ limit: options.bodyLimit }),
    // formatError has no context: it finds the request's logger (and so its id) here.
    (_req: Request, res: Response, next: express.NextFunction) => withRequestLogger(res.locals.logger as Logger, next),
    expressMiddleware(options.apollo, {
      context: async ({ req, res }) => {
        const context = await options.context({
          req,
          res,
          requestId: res.locals.requestId as string,
          logger: res.locals.logger as Logger,
        });
        res.locals.outcome = {} satisfies RequestOutcome;
        Object.assign(context, { [OUTCOME]: res.locals.outcome });
        return context;
      },
    }),
  );
}

/** Body-parser errors (too large, malformed JSON) answered as GraphQL-shaped JSON without internals. */
function answerBodyErrors(logger: Logger): express.ErrorRequestHandler {
  return (error: { status?: number; type?: string }, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    const message =
      error.type === 'entity.too.large'
        ? 'Request body too large'
        : status === 500
          ? 'Internal server error'
          : 'Malformed request body';
    if (status === 500) logger.error({ err: error }, 'request failed');
    res
      .status(status)
      .json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  };
}

/**
 * The stop, once however often called: readiness turns 503 (and stays serving for
 * `shutdownDelayMs`), in-flight requests finish within the drain timeout, then Apollo and `onClose`.
 */
function gracefulStop<TContext extends BaseContext>(
  server: http.Server,
  options: GraphQLServiceOptions<TContext>,
  lifecycle: Lifecycle,
): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      lifecycle.stopping = true;
      options.onStopping?.();
      if (options.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
      for (const res of lifecycle.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeout = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
      await closed;
      clearTimeout(timeout);
      await options.apollo.stop();
      await options.onClose?.();
      options.logger.info(`${options.name} stopped`);
    })();
    return stopped;
  };
}

/**
 * Builds and starts one GraphQL service: request ids, one JSON log line per request, health
 * endpoints, an explicit body limit, Apollo on /graphql, and a graceful stop (readiness turns
 * 503, in-flight requests finish within the drain timeout, then `onClose`).
 */
export async function startGraphQLService<TContext extends BaseContext>(
  options: GraphQLServiceOptions<TContext>,
): Promise<RunningService> {
  const { logger } = options;
  const lifecycle: Lifecycle = { stopping: false, inFlight: new Set() };
  disableApolloSignalHandlers(options.apollo);
  options.apollo.addPlugin(outcomePlugin);
  // Every GraphQL answer is `no-store` (set below). Apollo's cache-control plugin, on by default,
  // would compute a cache policy field by field only to send that same header, and its per-field
  // hook makes Apollo wrap every resolver of the schema.
  options.apollo.addPlugin(ApolloServerPluginCacheControlDisabled());
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? 'loopback');
  app.use(trackRequests(logger, lifecycle));
  mountHealth(app, options, lifecycle);
  if (options.subgraphSecret) app.use(['/graphql', '/internal'], requireSubgraphSecret(options.subgraphSecret));
  if (options.explorer) mountExplorer(app);
  options.routes?.(app);
  await options.apollo.start();
  mountGraphQL(app, options);
  app.use(answerBodyErrors(logger));

  const server = http.createServer(app);
  // Above NGINX's upstream keepalive_timeout, so NGINX always closes an idle connection first.
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 80_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error) => {
    await options.apollo.stop();
    await options.onClose?.();
    throw error;
  });

  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url }, `${options.name} ready`);
  return { url, port, stop: gracefulStop(server, options, lifecycle) };
}

/** Records each GraphQL request's resolved operation name and error codes for its log line. */
const outcomePlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, operationName, response }) {
        const outcome = (contextValue as { [OUTCOME]?: RequestOutcome })[OUTCOME];
        if (!outcome) return;
        outcome.operationName = operationName ?? undefined;
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        outcome.errorCodes = (errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      },
    };
  },
};

/** Stops `service` on SIGTERM/SIGINT and exits 0 once it is drained. */
export function stopOnSignals(service: { stop(): Promise<void> }, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
