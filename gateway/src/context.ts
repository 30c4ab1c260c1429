import {
  type AccessTokenVerifier,
  bearerToken,
  CLIENT_ADDRESS_HEADER,
  type HasViewer,
  type Logger,
  type RequestScope,
} from '@healthsync/orm';

export interface GatewayContext extends HasViewer {
  requestId: string;
  logger: Logger;
  /** What SubgraphDataSource passes on to every subgraph fetch of this request. */
  forwardedHeaders: { authorization?: string; 'x-request-id': string; [CLIENT_ADDRESS_HEADER]?: string };
}

/**
 * Runs before Apollo parses or plans anything: a malformed, expired or foreign token is answered
 * here with HTTP 401 UNAUTHENTICATED, so no subgraph ever sees the request. Anonymous requests go
 * on; each subgraph decides what an anonymous caller may do (signUp, login).
 */
export async function createGatewayContext(
  scope: RequestScope,
  verifyAccessToken: AccessTokenVerifier,
): Promise<GatewayContext> {
  const authorization = scope.req.headers.authorization;
  const token = bearerToken(authorization);
  const viewer = token ? await verifyAccessToken(token) : null;
  return {
    viewer,
    requestId: scope.requestId,
    logger: scope.logger,
    forwardedHeaders: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'x-request-id': scope.requestId,
      // The users subgraph throttles sign-ins per client address; it would see only ours.
      ...(scope.req.ip ? { [CLIENT_ADDRESS_HEADER]: scope.req.ip } : {}),
    },
  };
}
