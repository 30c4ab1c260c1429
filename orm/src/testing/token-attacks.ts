import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { type CryptoKey, type JWK, type KeyObject, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  type Role,
} from '../auth/tokens.js';

/** The real signing key of the system under test: attacks that need it sign "almost right" tokens. */
export interface AttackSigningKey {
  privateKey: CryptoKey | KeyObject | Uint8Array;
  /** Its public JWK, as the JWKS serves it. */
  publicJwk: JWK;
  kid: string;
  issuer?: string;
  audience?: string;
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * Access tokens that every verifier of HealthSync must refuse (401 UNAUTHENTICATED), each named by
 * the attack it stands for. They all claim `role` for `userId`, who exists: only the token is wrong.
 * `genuine` is the control: the same claims, correctly signed, must be accepted.
 */
export async function forgedAccessTokens(
  key: AttackSigningKey,
  { userId, role = 'ADMIN' }: { userId: string; role?: Role },
): Promise<{ genuine: string; attacks: Record<string, string> }> {
  const issuer = key.issuer ?? DEFAULT_TOKEN_ISSUER;
  const audience = key.audience ?? DEFAULT_TOKEN_AUDIENCE;
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, aud: audience, sub: userId, role, iat: now, exp: now + 600, jti: randomUUID() };
  const header = { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: key.kid };
  const sign = (payload: Record<string, unknown>, protectedHeader: Record<string, unknown> = header) =>
    new SignJWT(payload).setProtectedHeader(protectedHeader as { alg: string }).sign(key.privateKey);

  const viewerToken = await sign({ ...claims, role: 'VIEWER' });
  const [viewerHeader, , viewerSignature] = viewerToken.split('.');

  // The classic algorithm confusion: HMAC keyed with the public key, which anyone can fetch.
  const publicPem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const hsInput = `${b64({ ...header, alg: 'HS256' })}.${b64(claims)}`;
  const hs256 = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;

  const foreign = generateKeyPairSync('ed25519').privateKey;

  const attacks = {
    'alg none': `${b64({ alg: 'none', typ: ACCESS_TOKEN_TYPE, kid: key.kid })}.${b64(claims)}.`,
    'HS256 signed with the public key': hs256,
    expired: await sign({ ...claims, iat: now - 3600, exp: now - 1800 }),
    'not yet valid': await sign({ ...claims, nbf: now + 3600 }),
    'wrong issuer': await sign({ ...claims, iss: 'https://attacker.example' }),
    'wrong audience': await sign({ ...claims, aud: 'some-other-api' }),
    'wrong type (plain JWT)': await sign(claims, { ...header, typ: 'JWT' }),
    'no expiry': await new SignJWT({ role, sub: userId, iss: issuer, aud: audience, iat: now })
      .setProtectedHeader(header)
      .sign(key.privateKey),
    // A genuine VIEWER token whose payload was edited to say ADMIN, signature kept.
    'tampered payload': `${viewerHeader}.${b64({ ...claims, role: 'ADMIN' })}.${viewerSignature}`,
    'unknown kid': await new SignJWT(claims).setProtectedHeader({ ...header, kid: randomUUID() }).sign(foreign),
    'foreign key under the real kid': await new SignJWT(claims).setProtectedHeader(header).sign(foreign),
  };
  return { genuine: await sign(claims), attacks };
}
