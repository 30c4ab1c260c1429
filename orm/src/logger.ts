import { pino, type Logger, type LoggerOptions } from 'pino';

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

/** A JSON logger for one service; `level` comes from that service's environment. */
export function createLogger(service: string, level: LoggerOptions['level'] = 'info'): Logger {
  return pino({ name: service, level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { service } });
}
