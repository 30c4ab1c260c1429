import { DriverException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type Logger, requestLogger } from './logger.js';

/** The error codes of DESIGN.md §5: the only codes a client ever sees. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error we mean a client to read; anything else is masked. */
export class AppError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = this.constructor.name;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    // HTTP 401 when thrown while building the request context (a bad token), per DESIGN.md §4.
    super(message, ErrorCode.UNAUTHENTICATED, { http: { status: 401 } });
  }
}

/**
 * UNAUTHENTICATED from a resolver (not signed in, failed sign-in, dead refresh token): a field
 * error in an HTTP 200 answer. A 401 from a subgraph would make the gateway discard the whole
 * subgraph response, the other fields' data included.
 */
export class SignInRequiredError extends AppError {
  constructor(message = 'Authentication required') {
    super(message, ErrorCode.UNAUTHENTICATED);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this') {
    super(message, ErrorCode.FORBIDDEN);
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super(message, ErrorCode.BAD_USER_INPUT, field ? { field } : {});
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, ErrorCode.NOT_FOUND);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, ErrorCode.CONFLICT);
  }
}

export class RateLimitedError extends AppError {
  /** `status`: the HTTP status when the whole request is refused (429 at the gateway, with Retry-After). */
  constructor(
    readonly retryAfterSeconds: number,
    { status }: { status?: number } = {},
  ) {
    super(`Too many attempts; retry in ${retryAfterSeconds} s`, ErrorCode.RATE_LIMITED, {
      retryAfter: retryAfterSeconds,
      ...(status ? { http: { status, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } } : {}),
    });
  }
}

/**
 * A dependency (the database, a subgraph) did not answer in time or at all: the request may
 * succeed when retried. The message names no host, port or statement.
 */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'Service temporarily unavailable; retry shortly') {
    super(message, ErrorCode.SERVICE_UNAVAILABLE);
  }
}

/** Codes Apollo itself produces for bad requests; they describe the request, not our internals. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);
const CLIENT_CODES = new Set<string>(Object.values(ErrorCode));

/** Node's codes for a connection that could not be made or was lost. */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'ENOTFOUND']);

/**
 * What an unexpected error says about its cause, when it says anything:
 * - `client`: PostgreSQL refused a value the client sent (SQLSTATE class 22, "data exception": a
 *   NUL character, text that is no UUID, a date or number out of range…), which a resolver's own
 *   checks let through. The client can fix it: BAD_USER_INPUT.
 * - `unavailable`: the database did not answer in time or at all (no free connection within the
 *   pool's acquire timeout, a statement past statement_timeout, a refused or lost connection, a
 *   server shutting down). The request may succeed when retried: SERVICE_UNAVAILABLE.
 * Duck-typed: the driver's errors may come from another realm (jest), where instanceof fails.
 */
function causeOf(error: unknown): 'client' | 'unavailable' | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, name, message, severity } = error as Record<string, unknown>;
  const isDatabaseError = error instanceof DriverException || severity !== undefined;
  const state = isDatabaseError && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (state?.startsWith('22')) return 'client';
  // 57014 query_canceled (statement_timeout), 57P0x a server shutting down or starting, 08xxx connection exceptions.
  if (state && (state === '57014' || state.startsWith('57P') || state.startsWith('08'))) return 'unavailable';
  if (name === 'KnexTimeoutError' || name === 'ConnectionException' || name === 'DatabaseUnavailableError')
    return 'unavailable';
  if (typeof code === 'string' && CONNECTION_FAILURES.has(code)) return 'unavailable';
  // pg's own words (after the SQL, when MikroORM wrapped them) for a connection that broke, could
  // not be made in time, or a query the server did not answer within query_timeout.
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout/.test(message)
  )
    return 'unavailable';
  return undefined;
}

/**
 * Apollo `formatError` for every server: our own errors and GraphQL request errors pass through
 * (without stack traces); anything else is logged in full and answered as an opaque internal error.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const code = formatted.extensions?.code;
    // A subgraph's error at the gateway (serviceName set) was formatted by this same function in
    // the subgraph: only client codes survived it there.
    const fromSubgraph = typeof formatted.extensions?.serviceName === 'string';
    const isOurs =
      original instanceof AppError ||
      fromSubgraph ||
      (error instanceof GraphQLError && error.originalError === undefined);
    const passesThrough =
      typeof code === 'string' &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR &&
      (REQUEST_ERROR_CODES.has(code) || (CLIENT_CODES.has(code) && isOurs));
    if (passesThrough) {
      // `response` (a failed subgraph fetch: its URL and body) and `serviceName` are internals.
      const {
        stacktrace: _stack,
        http: _http,
        response: _response,
        serviceName: _service,
        ...extensions
      } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const cause = causeOf(original);
    if (cause) {
      // Logged for the operator (a resolver should have refused the value; the database may be
      // away), answered with what the client can do about it.
      // The logger reduces a database error to its SQLSTATE, table and constraint (orm/src/logger.ts).
      requestLogger(logger).warn(
        { err: original, path: formatted.path },
        cause === 'client' ? 'value refused by the database' : 'database unavailable',
      );
      return {
        message:
          cause === 'client'
            ? 'A value in this request cannot be stored or searched for (an invalid character or format)'
            : 'The database is not answering; retry shortly',
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { code: cause === 'client' ? ErrorCode.BAD_USER_INPUT : ErrorCode.SERVICE_UNAVAILABLE },
      };
    }
    // A subgraph's masked error reaches the gateway already opaque: log only what is new.
    if (formatted.message !== 'Internal server error')
      // The logger reduces a database error to its SQLSTATE, table and constraint (orm/src/logger.ts).
      requestLogger(logger).error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
