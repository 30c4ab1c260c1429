import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from '@healthsync/orm';
import type { UsersConfig } from './environment.js';
import type { SigningKeys } from './keys.js';
import { RefreshSession, type User } from './entities.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Signs an access token for `user` (DESIGN.md §4 claims). */
export async function signAccessToken(user: User, keys: SigningKeys, config: UsersConfig): Promise<string> {
  return new SignJWT({ role: user.role })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: keys.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(keys.privateKey);
}

/**
 * Starts a session family for `user` (sign-up, login): an access token plus an opaque 256-bit
 * refresh token of which only the hash is persisted (flushed by the caller's unit of work).
 */
export async function issueTokens(
  em: EntityManager,
  user: User,
  keys: SigningKeys,
  config: UsersConfig,
): Promise<IssuedTokens> {
  const refreshToken = randomBytes(32).toString('base64url');
  em.create(RefreshSession, {
    user,
    familyId: randomUUID(),
    tokenHash: hashRefreshToken(refreshToken),
    familyExpiresAt: new Date(Date.now() + config.REFRESH_TOKEN_TTL_SECONDS * 1000),
  });
  return {
    accessToken: await signAccessToken(user, keys, config),
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
    user,
  };
}
