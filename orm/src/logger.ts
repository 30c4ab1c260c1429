import { AsyncLocalStorage } from 'node:async_hooks';
import { DriverException } from '@mikro-orm/core';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

const REDACTED = '[redacted]';

/**
 * Keys whose value never reaches a log line, at any depth, whatever a developer passes to the
 * logger. Compared lower-case without `-` and `_`, so `x-healthsync-subgraph-secret`,
 * `refresh_token` and `refreshToken` are all caught. Secrets and credentials; GraphQL variables
 * and bodies (they carry both); and every patient field (names, contact, birth date, identifiers,
 * the FHIR resource and history snapshots).
 */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'invitation',
  'privatekey',
  'jwtprivatekey',
  'databaseurl',
  'variables',
  'body',
  'input',
  'givenname',
  'familyname',
  'fullname',
  'email',
  'phone',
  'birthdate',
  'deceasedat',
  'address',
  'identifiers',
  'mrn',
  'snapshot',
  'fhir',
  'resource',
  'resources',
]);
/** …and any key ending in one of these (`currentPassword`, `accessToken`, `subgraphSecret`…). */
const SENSITIVE_SUFFIXES = ['password', 'passwords', 'token', 'tokens', 'secret', 'secrets'];

const isSensitiveKey = (key: string): boolean => {
  const normalised = key.toLowerCase().replace(/[-_]/g, '');
  return SENSITIVE_KEYS.has(normalised) || SENSITIVE_SUFFIXES.some((suffix) => normalised.endsWith(suffix));
};

const MAX_DEPTH = 8;

/** A PostgreSQL error, raw (pg, knex) or wrapped by MikroORM. */
function isDatabaseError(error: Error): boolean {
  return error instanceof DriverException || ('severity' in error && 'routine' in error);
}

/** Our own stack frames, without the first line (it repeats the message). */
const framesOf = (error: Error) =>
  error.stack
    ?.split('\n')
    .filter((line) => line.trim().startsWith('at '))
    .join('\n');

/**
 * A database error as it may be logged. Its message, `detail`, `where` and the first line of its
 * stack hold patient data (knex writes the SQL with its values into the message, PostgreSQL quotes
 * the offending value in the detail); what was wrong (SQLSTATE, table, constraint, column) and
 * where in our code are kept.
 */
function loggableDatabaseError(error: Error): Record<string, unknown> {
  const { code, table, constraint, column, routine } = error as unknown as Record<string, unknown>;
  return {
    type: error.name,
    message: 'database error (SQL, values and detail withheld)',
    code,
    table,
    constraint,
    column,
    routine,
    stack: framesOf(error),
  };
}

/** An error as plain data (pino's own serializer would fold its causes' messages into its message). */
function loggableError(error: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  if (isDatabaseError(error)) return loggableDatabaseError(error);
  const own = Object.fromEntries(
    Object.entries(error).map(([key, value]) => [
      key,
      isSensitiveKey(key) ? REDACTED : scrubbed(value, seen, depth + 1),
    ]),
  );
  return {
    type: error.constructor?.name ?? error.name,
    message: error.message,
    stack: error.stack,
    ...own,
    ...(error.cause !== undefined ? { cause: scrubbed(error.cause, seen, depth + 1) } : {}),
    ...(error instanceof AggregateError ? { errors: scrubbed(error.errors, seen, depth + 1) } : {}),
  };
}

/** `value` as it may be logged: sensitive keys redacted and database errors reduced, at any depth. */
function scrubbed(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return loggableError(value, seen, depth);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, seen, depth + 1));
  if (value instanceof Map) return scrubbed(Object.fromEntries(value), seen, depth);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return scrubbed((value as { toJSON(): unknown }).toJSON(), seen, depth + 1);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSensitiveKey(key) ? REDACTED : scrubbed(item, seen, depth + 1)]),
  );
}

/** What a log call's merging object becomes before pino writes it (exported for tests). */
export function scrubLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return scrubbed(object, new WeakSet(), 0) as Record<string, unknown>;
}

/**
 * The message pino would take from an error logged without one: a database error's message is
 * its SQL with the values.
 */
function messageOf(error: Error): string {
  return isDatabaseError(error) ? 'database error' : error.message;
}

/**
 * A JSON logger for one service; `level` comes from that service's environment. Every line is
 * scrubbed (`scrubLogObject`), child bindings included, so no caller has to remember to.
 */
export function createLogger(
  service: string,
  level: LoggerOptions['level'] = 'info',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    name: service,
    level,
    base: { service },
    formatters: { log: scrubLogObject },
    // Errors are already plain data here; pino's own serializer would rebuild them from scratch.
    serializers: { err: (value: unknown) => value },
    hooks: {
      logMethod(args, method) {
        const [first, second] = args as unknown[];
        const error =
          first instanceof Error
            ? first
            : (first as { err?: unknown } | undefined)?.err instanceof Error
              ? (first as { err: Error }).err
              : undefined;
        if (error && typeof second !== 'string') {
          const merging = first instanceof Error ? { err: first } : first;
          return method.apply(this, [merging, messageOf(error), ...(args.slice(1) as [])] as never);
        }
        return method.apply(this, args);
      },
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // Child bindings skip formatters.log; pino makes children with Object.create, so every
  // descendant inherits this.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, scrubLogObject(bindings), childOptions);
  } as Logger['child'];
  return logger;
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
