import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../errors.js';
import { createRemoteRevocations, type RevocationSource, revocationsUrlFor } from './revocations.js';

export const ROLES = ['ADMIN', 'CLINICIAN', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

/** The state of an account, as the users subgraph keeps it. */
export const USER_STATES = ['PENDING', 'ACTIVE', 'DEACTIVATED'] as const;
export type UserState = (typeof USER_STATES)[number];

/**
 * Who is calling, as proven by a verified access token. `role` is null for an account waiting for
 * an admin's approval (its token says `state: "PENDING"` and has no role): it is signed in, and
 * every role check (`requireRole`) refuses it.
 */
export interface Viewer {
  userId: string;
  role: Role | null;
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
   * Per-user token cut-offs (deactivation, password or role change): for a service beside the
   * users subgraph, `createRemoteRevocations(revocationsUrlFor(JWKS_URL))`, closed when the
   * service stops; `false` only where there is no users subgraph to ask (unit tests of the
   * verifier itself).
   */
  revocations: RevocationSource | false;
  /** How many verified tokens are remembered at most (VERIFIED_TOKEN_CACHE_SIZE; a test sets a small one). */
  cacheSize?: number;
}

export type AccessTokenVerifier = (token: string) => Promise<Viewer>;

/**
 * A token whose signature and claims were verified is remembered this long (never past its
 * `exp`): a session sends the same token on every request, and behind the gateway each subgraph
 * verifies it again: an EdDSA check per request and service would be a share of each one's CPU. The
 * revocation cut-off is still checked on every request. Signing keys are cached for minutes by
 * the JWKS client anyway, so a retired key is not honoured noticeably longer.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** A key set fetched from a URL is kept 10 minutes; after a failed lookup (unknown kid), refetched at most every 30 s. */
// Stryker disable next-line ObjectLiteral: these are jose's own defaults, written out to be seen
const REMOTE_KEY_SET_OPTIONS = { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 };

interface VerifiedToken {
  sub: string;
  role: Role | null;
  iat: number;
  /** Epoch milliseconds after which the entry is not used: min(exp, verified + TTL). */
  until: number;
}

/**
 * The role a token grants: its `role` claim, or none (null) for a token that says its account is
 * PENDING and claims no role. Anything else is not a token the users subgraph signs.
 */
function roleOf(payload: Record<string, unknown>): Role | null {
  if (ROLES.includes(payload.role as Role)) return payload.role as Role;
  if (payload.role === undefined && payload.state === 'PENDING') return null;
  // Stryker disable next-line StringLiteral: the verifier's catch replaces every reason with one message
  throw new Error('bad claims');
}

/**
 * Verifies access tokens with everything pinned: algorithm, `typ`, issuer, audience, required
 * claims, then the user's revocation cut-off. Any failure, whatever threw it (an unreachable
 * revocation list included), becomes UNAUTHENTICATED (HTTP 401); the reason is not told to the
 * caller.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const keys =
    typeof options.keys === 'string' ? createRemoteJWKSet(new URL(options.keys), REMOTE_KEY_SET_OPTIONS) : options.keys;
  const { revocations, cacheSize = VERIFIED_TOKEN_CACHE_SIZE } = options;
  const verified = new Map<string, VerifiedToken>();
  const verify = async (token: string): Promise<VerifiedToken> => {
    const now = Date.now();
    const known = verified.get(token);
    if (known && known.until > now) return known;
    verified.delete(token);
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      typ: ACCESS_TOKEN_TYPE,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    // Stryker disable next-line StringLiteral: the verifier's catch replaces every reason with one message
    if (typeof payload.sub !== 'string') throw new Error('bad claims');
    const claims = {
      sub: payload.sub,
      role: roleOf(payload),
      iat: payload.iat as number,
      until: Math.min((payload.exp as number) * 1000, now + VERIFIED_TOKEN_TTL_MS),
    };
    // Oldest first out (a Map iterates in insertion order).
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
    verified.set(token, claims);
    return claims;
  };
  return async (token) => {
    try {
      const claims = await verify(token);
      if (revocations) {
        const notBefore = await revocations.notBeforeOf(claims.sub);
        // Stryker disable next-line StringLiteral: the verifier's catch replaces every reason with one message
        if (notBefore !== undefined && claims.iat < notBefore) throw new Error('revoked');
      }
      return { userId: claims.sub, role: claims.role };
    } catch {
      throw new UnauthenticatedError('Invalid or expired access token');
    }
  };
}

/**
 * The verifier of a service beside the users subgraph (the gateway, the patients subgraph): keys
 * from its JWKS, revocations from the list beside it, pushed by its stream. `close` stops the
 * stream (when the service stops).
 */
export function createRemoteAccessTokenVerifier(options: {
  jwksUrl: string;
  issuer: string;
  audience: string;
  subgraphSecret?: string | undefined;
}): { verify: AccessTokenVerifier; close(): void } {
  const revocations = createRemoteRevocations(revocationsUrlFor(options.jwksUrl), {
    subgraphSecret: options.subgraphSecret,
  });
  const verify = createAccessTokenVerifier({
    keys: options.jwksUrl,
    issuer: options.issuer,
    audience: options.audience,
    revocations,
  });
  return { verify, close: () => revocations.close() };
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
