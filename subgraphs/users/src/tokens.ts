import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, type RevocationList } from '@healthsync/orm/auth';
import { type Logger, SignInRequiredError } from '@healthsync/orm';
import type { AuthTrail } from './auth-events.js';
import type { UsersConfig } from './environment.js';
import type { SigningKeys } from './keys.js';
import { RefreshSession, User } from './entities.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The first `iat` (epoch seconds) a token of a user cut off at `at` may carry. `iat` has whole
 * seconds: every token issued up to the cut-off's second is refused, and tokens issued after it
 * within that same second get this `iat` (see signAccessToken), so they are not.
 */
const firstValidIat = (at: Date) => Math.floor(at.getTime() / 1000) + 1;

/**
 * What an access token grants: its role; or, for an account waiting for approval, no role and
 * `state: "PENDING"` (it may read its own account and nothing else).
 */
const grantOf = (user: Pick<User, 'role' | 'state'>) =>
  user.state === 'ACTIVE' && user.role ? { role: user.role } : { state: 'PENDING' as const };

/** Signs an access token for `user` (DESIGN.md §4 claims). */
export async function signAccessToken(
  user: Pick<User, 'id' | 'role' | 'state' | 'tokensValidAfter'>,
  keys: SigningKeys,
  config: UsersConfig,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = user.tokensValidAfter ? Math.max(now, firstValidIat(user.tokensValidAfter)) : now;
  return new SignJWT(grantOf(user))
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: keys.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + config.ACCESS_TOKEN_TTL_SECONDS)
    .sign(keys.privateKey);
}

/** A new refresh token of `familyId`, of which only the hash is persisted (flushed by the caller). */
function addRefreshToken(em: EntityManager, user: User, familyId: string, familyExpiresAt: Date): string {
  const refreshToken = newRefreshToken();
  em.create(RefreshSession, { user, familyId, tokenHash: hashRefreshToken(refreshToken), familyExpiresAt });
  return refreshToken;
}

export async function payload(user: User, refreshToken: string, keys: SigningKeys, config: UsersConfig) {
  return {
    accessToken: await signAccessToken(user, keys, config),
    refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
    user,
  };
}

/** A new opaque refresh token: 256 random bits. */
export const newRefreshToken = () => randomBytes(32).toString('base64url');

/**
 * Starts a session family for `user` (sign-up, login): an access token plus an opaque 256-bit
 * refresh token whose family ends SESSION_ABSOLUTE_TIMEOUT_SECONDS from now whatever happens.
 */
export async function issueTokens(
  em: EntityManager,
  user: User,
  keys: SigningKeys,
  config: UsersConfig,
): Promise<IssuedTokens> {
  const familyExpiresAt = new Date(Date.now() + config.SESSION_ABSOLUTE_TIMEOUT_SECONDS * 1000);
  return payload(user, addRefreshToken(em, user, randomUUID(), familyExpiresAt), keys, config);
}

const INVALID_REFRESH_TOKEN = 'Invalid or expired refresh token';

/** Revokes every still-live token of a session family, at once (not part of the unit of work). */
async function revokeFamily(em: EntityManager, familyId: string): Promise<void> {
  await em.nativeUpdate(RefreshSession, { familyId, revokedAt: null }, { revokedAt: new Date() });
}

/** Revokes every session of a user (password change, deactivation). */
export async function revokeAllSessions(em: EntityManager, userId: string): Promise<void> {
  await em.nativeUpdate(RefreshSession, { user: userId, revokedAt: null }, { revokedAt: new Date() });
}

/**
 * Exchanges a refresh token for a new pair in the same family. A token that was already used is
 * a sign that it was stolen (the thief or the owner already rotated it): the whole family is
 * revoked, so the newest token fails too (REFRESH_REUSE). Idle timeout (time since the token was
 * issued) and the family's absolute end are enforced here.
 */
export async function rotateRefreshToken(
  em: EntityManager,
  presented: string,
  { keys, config, logger, trail }: { keys: SigningKeys; config: UsersConfig; logger: Logger; trail: AuthTrail },
): Promise<IssuedTokens> {
  const session = await em.findOne(RefreshSession, { tokenHash: hashRefreshToken(presented) }, { populate: ['user'] });
  if (!session) {
    await trail.write('REFRESH', 'FAILED', { actorId: null });
    throw new SignInRequiredError(INVALID_REFRESH_TOKEN);
  }
  const now = Date.now();
  const user = session.user as unknown as User;
  const parties = { actorId: user.id, targetUserId: user.id };
  const refuse = async (reused: boolean): Promise<never> => {
    await revokeFamily(em, session.familyId);
    // Stryker disable next-line ConditionalExpression,ObjectLiteral,StringLiteral: a warning in the log; the trail records the reuse
    if (reused) logger.warn({ userId: user.id, familyId: session.familyId }, 'refresh token reused: session revoked');
    await trail.write(reused ? 'REFRESH_REUSE' : 'REFRESH', 'DENIED', parties);
    throw new SignInRequiredError(INVALID_REFRESH_TOKEN);
  };
  // Stryker disable next-line EqualityOperator: the same millisecond as the timeout
  const idle = now - session.createdAt.getTime() > config.SESSION_IDLE_TIMEOUT_SECONDS * 1000;
  // Stryker disable next-line EqualityOperator: the same millisecond as the family's end
  const over = session.revokedAt || idle || session.familyExpiresAt.getTime() <= now || user.state === 'DEACTIVATED';
  // Stryker disable next-line ConditionalExpression: the claim below refuses a used token as a reuse too; this saves the statement
  if (session.usedAt) return refuse(true);
  if (over) return refuse(false);
  // Two concurrent refreshes with one token: only one claims it; the other is a reuse. A family is
  // over once any of its tokens was revoked: a token added by a refresh that raced the revocation
  // is refused too (checked in the same statement).
  const revokedInFamily = em
    .createQueryBuilder(RefreshSession, 'f')
    .select('f.familyId')
    .where({ familyId: session.familyId, revokedAt: { $ne: null } });
  const claimed = await em
    .createQueryBuilder(RefreshSession)
    .update({ usedAt: new Date(now) })
    .where({ id: session.id, usedAt: null, revokedAt: null, familyId: { $nin: revokedInFamily.getKnexQuery() } })
    .execute('run');
  if (claimed.affectedRows !== 1) return refuse(true);
  const refreshToken = addRefreshToken(em, user, session.familyId, session.familyExpiresAt);
  trail.add('REFRESH', 'SUCCESS', parties);
  await em.flush();
  return payload(user, refreshToken, keys, config);
}

/**
 * Ends the session family of `presented`, if it names one; returns whose it was (undefined when
 * it names none).
 */
export async function endSession(em: EntityManager, presented: string): Promise<string | undefined> {
  const session = await em.findOne(
    RefreshSession,
    { tokenHash: hashRefreshToken(presented) },
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: what is loaded, not what is answered
    { fields: ['familyId', 'user'], disableIdentityMap: true },
  );
  if (!session) return undefined;
  await revokeFamily(em, session.familyId);
  return session.user.id;
}

/**
 * Marks `user`'s current access tokens void (persisted by the caller's flush). Tokens issued since
 * the previous cut-off carry an `iat` up to one second past it (see firstValidIat): a second
 * cut-off within that second is moved to its end, so that it voids them too.
 */
export function cutOffAccessTokens(user: User): void {
  const previous = user.tokensValidAfter ? firstValidIat(user.tokensValidAfter) * 1000 : 0;
  user.tokensValidAfter = new Date(Math.max(Date.now(), previous));
}

/** How long after a cut-off it still matters: the longest access token lifetime, and a margin for clocks. */
const horizonOf = (config: UsersConfig) => new Date(Date.now() - (config.ACCESS_TOKEN_TTL_SECONDS + 120) * 1000);

type CutOffAccount = Pick<User, 'id' | 'state' | 'tokensValidAfter'>;

/**
 * The epoch second before which `user`'s tokens are refused, or null when none are (no recent
 * cut-off). A deactivated user's tokens are all refused (no new ones can be issued to them);
 * otherwise tokens issued up to the cut-off are.
 */
function cutoffOf(user: CutOffAccount, horizon: Date): number | null {
  // Stryker disable next-line EqualityOperator: the same millisecond as the horizon
  if (!user.tokensValidAfter || user.tokensValidAfter <= horizon) return null;
  return user.state === 'DEACTIVATED' ? Number.MAX_SAFE_INTEGER : firstValidIat(user.tokensValidAfter);
}

const CUTOFF_FIELDS = ['id', 'state', 'tokensValidAfter'] as const;

/** What REVOCATIONS_PATH serves: users whose tokens were cut off within the longest access token lifetime. */
export async function loadRevocationList(em: EntityManager, config: UsersConfig): Promise<RevocationList> {
  const horizon = horizonOf(config);
  const users = await em.find(
    User,
    // Stryker disable next-line ObjectLiteral: cutoffOf drops what is past the horizon; the filter keeps the read small
    { tokensValidAfter: { $gt: horizon } },
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: what is loaded, not what is answered
    { fields: [...CUTOFF_FIELDS], disableIdentityMap: true },
  );
  const notBefore: Record<string, number> = {};
  for (const user of users) {
    const cutoff = cutoffOf(user, horizon);
    if (cutoff !== null) notBefore[user.id] = cutoff;
  }
  return { notBefore };
}

/** One user's entry of the revocation list, as it is now (null: none). */
export async function loadCutoff(em: EntityManager, config: UsersConfig, userId: string): Promise<number | null> {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: what is loaded, not what is answered
  const user = await em.findOne(User, { id: userId }, { fields: [...CUTOFF_FIELDS], disableIdentityMap: true });
  return user ? cutoffOf(user, horizonOf(config)) : null;
}
