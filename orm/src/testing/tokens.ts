import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTVerifyGetKey, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  type Role,
} from '../auth/tokens.js';
import type { AttackSigningKey } from './token-attacks.js';

export interface TestTokenClaims {
  userId?: string;
  role?: Role;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  type?: string;
}

/** A throwaway Ed25519 signer shaped like the users subgraph's, for tests of services that only verify. */
export interface TestTokenIssuer {
  jwks: JSONWebKeySet;
  keys: JWTVerifyGetKey;
  /** Verifies with the production verifier (default issuer and audience) against this key set. */
  verifier: AccessTokenVerifier;
  /** Its private key, for `forgedAccessTokens`. */
  signingKey: AttackSigningKey;
  sign(claims?: TestTokenClaims): Promise<string>;
}

export async function createTestTokenIssuer(): Promise<TestTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { crv: 'Ed25519' });
  const kid = `test-${randomUUID()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
  const jwks = { keys: [publicJwk] };
  const keys = createLocalJWKSet(jwks);
  const sign = async (claims: TestTokenClaims = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: claims.role ?? 'CLINICIAN' })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: claims.type ?? ACCESS_TOKEN_TYPE })
      .setSubject(claims.userId ?? randomUUID())
      .setIssuer(claims.issuer ?? DEFAULT_TOKEN_ISSUER)
      .setAudience(claims.audience ?? DEFAULT_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (claims.expiresIn ?? 900))
      .setJti(randomUUID())
      .sign(privateKey);
  };
  const verifier = createAccessTokenVerifier({
    keys,
    issuer: DEFAULT_TOKEN_ISSUER,
    audience: DEFAULT_TOKEN_AUDIENCE,
    revocations: false,
  });
  return { jwks, keys, verifier, signingKey: { privateKey, publicJwk, kid }, sign };
}

let shared: Promise<TestTokenIssuer> | undefined;

/** One issuer per test process, so that separately built servers accept each other's test tokens. */
export function testTokenIssuer(): Promise<TestTokenIssuer> {
  shared ??= createTestTokenIssuer();
  return shared;
}
