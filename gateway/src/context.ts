import { type AccessTokenVerifier, CLIENT_ADDRESS_HEADER } from '@healthsync/orm/auth';
import { createRequestContext, type RequestContext, type RequestScope } from '@healthsync/orm/http';

export interface GatewayContext extends RequestContext {
  /** What SubgraphDataSource passes on to every subgraph fetch of this request. */
  forwardedHeaders: { authorization?: string; 'x-request-id': string; [CLIENT_ADDRESS_HEADER]?: string };
  /** The client sent `Cache-Control: no-cache` (or `Pragma: no-cache`): every entity comes fresh from its subgraph. */
  wantsFreshEntities: boolean;
}

/** Whether the request's headers ask for an answer made afresh (RFC 9111 `no-cache`, or HTTP/1.0's Pragma). */
export function asksForFreshAnswer(headers: RequestScope['req']['headers']): boolean {
  return /(^|[\s,])no-cache($|[\s,=])/i.test(`${headers['cache-control'] ?? ''} ${headers.pragma ?? ''}`);
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
  const context = await createRequestContext(scope, verifyAccessToken);
  // A viewer means the header held a bearer token that verified: pass it on as it came.
  const authorization = context.viewer ? scope.req.headers.authorization?.trim() : undefined;
  return {
    ...context,
    forwardedHeaders: {
      ...(authorization ? { authorization } : {}),
      'x-request-id': scope.requestId,
      // The users subgraph throttles sign-ins per client address; it would see only ours.
      ...(scope.req.ip ? { [CLIENT_ADDRESS_HEADER]: scope.req.ip } : {}),
    },
    wantsFreshEntities: asksForFreshAnswer(scope.req.headers),
  };
}
