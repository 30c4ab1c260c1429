import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths that must never reach a log line, whatever a developer passes to the logger. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-subgraph-secret"]',
  'headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'variables',
];

/**
 * A JSON logger for one service; `level` comes from that service's environment. `destination`
 * (stdout by default) lets a test read what the service logs.
 */
export function createLogger(
  service: string,
  level: LoggerOptions['level'] = 'info',
  destination?: DestinationStream,
): Logger {
  const options = { name: service, level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}

const requestLoggers = new AsyncLocalStorage<Logger>();

/** Runs `next` (and all it awaits) with `logger` as the request logger that requestLogger returns. */
export function withRequestLogger<T>(logger: Logger, next: () => T): T {
  return requestLoggers.run(logger, next);
}

/**
 * The logger of the request being served (it carries the request id), for code Apollo calls
 * without a context, such as formatError; `fallback` outside a request.
 */
export function requestLogger(fallback: Logger): Logger {
  return requestLoggers.getStore() ?? fallback;
}
