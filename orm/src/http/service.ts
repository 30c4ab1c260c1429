import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Request, type Response } from 'express';
import { SUBGRAPH_SECRET_HEADER } from '../auth/revocations.js';
import { type Logger, withRequestLogger } from '../logger.js';

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
  /** Extra routes mounted before /graphql (e.g. the JWKS document). */
  routes?: (app: express.Express) => void;
  /** Each dependency's state for /health/ready. */
  readiness?: () => Promise<Record<string, DependencyState>>;
  /** Releases what the service holds (database pool…) after the last request finished. */
  onClose?: () => Promise<void>;
  /** How long in-flight requests may take to finish on stop. */
  drainTimeoutMs?: number;
  /**
   * Opt-in (SUBGRAPH_SECRET): /graphql and /internal/* answer 401 to a request whose
   * SUBGRAPH_SECRET_HEADER is not this value; health and JWKS stay open.
   */
  subgraphSecret?: string | undefined;
}

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is sane, a fresh one otherwise. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Middleware refusing requests without `secret` in SUBGRAPH_SECRET_HEADER (constant-time compare). */
export function requireSubgraphSecret(secret: string): express.RequestHandler {
  const expected = digest(secret);
  return (req, res, next) => {
    const given = req.headers[SUBGRAPH_SECRET_HEADER];
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).json({ errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }] });
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
  let stopping = false;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    res.locals.logger = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path.startsWith('/health')) return;
      const body = req.body as { operationName?: unknown } | undefined;
      (res.locals.logger as Logger).info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          operationName: typeof body?.operationName === 'string' ? body.operationName : undefined,
        },
        'request',
      );
    });
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/health/ready', async (_req, res) => {
    const dependencies = stopping ? {} : ((await options.readiness?.().catch(() => ({ self: 'down' as const }))) ?? {});
    const ready = !stopping && Object.values(dependencies).every((state) => state === 'up');
    res.status(ready ? 200 : 503).json({ status: ready ? 'up' : 'down', stopping, dependencies });
  });
  if (options.subgraphSecret) {
    app.use(['/graphql', '/internal'], requireSubgraphSecret(options.subgraphSecret));
  }
  options.routes?.(app);

  await options.apollo.start();
  app.use(
    '/graphql',
    express.json({ limit: options.bodyLimit }),
    // formatError has no context: it finds the request's logger (and so its id) here.
    (_req: Request, res: Response, next: express.NextFunction) => withRequestLogger(res.locals.logger as Logger, next),
    expressMiddleware(options.apollo, {
      context: ({ req, res }) =>
        options.context({ req, res, requestId: res.locals.requestId as string, logger: res.locals.logger as Logger }),
    }),
  );

  // Body-parser errors (too large, malformed JSON) answered as GraphQL-shaped JSON without internals.
  app.use((error: { status?: number; type?: string }, _req: Request, res: Response, _next: express.NextFunction) => {
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
  });

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

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeout = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
      await closed;
      clearTimeout(timeout);
      await options.apollo.stop();
      await options.onClose?.();
      logger.info(`${options.name} stopped`);
    })();
    return stopped;
  };
  return { url, port, stop };
}

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
