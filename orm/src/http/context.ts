import type { HasViewer } from '../auth/access.js';
import { type AccessTokenVerifier, bearerToken } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import type { RequestScope } from './service.js';

/** What every service's request context starts with. */
export interface RequestContext extends HasViewer {
  requestId: string;
  /** The request's child logger: every line carries its request id. */
  logger: Logger;
}

/**
 * The request id, its logger and the verified caller: null without a bearer token, while a
 * malformed, expired, foreign or revoked one throws UNAUTHENTICATED (HTTP 401) before any resolver.
 */
export async function createRequestContext(
  scope: RequestScope,
  verifyAccessToken: AccessTokenVerifier,
): Promise<RequestContext> {
  const token = bearerToken(scope.req.headers.authorization);
  const viewer = token ? await verifyAccessToken(token) : null;
  return { viewer, requestId: scope.requestId, logger: scope.logger };
}
