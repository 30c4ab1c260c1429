import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../errors.js';
import { createRemoteRevocations, type RevocationSource, revocationsUrlFor } from './revocations.js';

export const ROLES = ['ADMIN', 'CLINICIAN', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified access token. */
export interface Viewer {
  userId: string;
  role: Role;
}

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const DEFAULT_TOKEN_ISSUER = 'healthsync-users';
export const DEFAULT_TOKEN_AUDIENCE = 'healthsync-api';
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

export interface AccessTokenVerifierOptions {
  /** Key source: the users subgraph's JWKS URL, or a local key set (the users subgraph itself). */
  keys: string | JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /**
   * Per-user token cut-offs (deactivation, password or role change). Defaults, for a JWKS URL, to
   * the users subgraph's revocation list beside it; `false` only where the caller has no users
   * subgraph to ask (unit tests of the verifier itself).
   */
  revocations?: RevocationSource | false;
  /** Sent with the revocation list request when the users subgraph requires it. */
  subgraphSecret?: string | undefined;
}

export type AccessTokenVerifier = (token: string) => Promise<Viewer>;

/**
 * Verifies access tokens with everything pinned: algorithm, `typ`, issuer, audience, required
 * claims, then the user's revocation cut-off. Any failure, whatever threw it (an unreachable
 * revocation list included), becomes UNAUTHENTICATED (HTTP 401); the reason is not told to the
 * caller.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const keys =
    typeof options.keys === 'string'
      ? createRemoteJWKSet(new URL(options.keys), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
      : options.keys;
  const revocations =
    options.revocations ??
    (typeof options.keys === 'string'
      ? createRemoteRevocations(revocationsUrlFor(options.keys), { subgraphSecret: options.subgraphSecret })
      : false);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'exp', 'iat', 'role'],
      });
      const role = payload.role;
      if (typeof payload.sub !== 'string' || !ROLES.includes(role as Role)) throw new Error('bad claims');
      if (revocations) {
        const notBefore = await revocations.notBeforeOf(payload.sub);
        if (notBefore !== undefined && (payload.iat as number) < notBefore) throw new Error('revoked');
      }
      return { userId: payload.sub, role: role as Role };
    } catch {
      throw new UnauthenticatedError('Invalid or expired access token');
    }
  };
}

/**
 * The token of an `Authorization: Bearer …` header; undefined when there is no header.
 * A header that is present but not a bearer token is an authentication failure, not anonymity.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  if (!match?.[1]) throw new UnauthenticatedError('Malformed Authorization header');
  return match[1];
}
