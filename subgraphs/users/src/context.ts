import { isIP } from 'node:net';
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CLIENT_ADDRESS_HEADER, type AccessTokenVerifier, type RevocationSource } from '@healthsync/orm/auth';
import { createRequestContext, type RequestContext, type RequestScope } from '@healthsync/orm/http';
import { isUuid } from '@healthsync/orm';
import { type AuthTrail, createAuthTrail } from './auth-events.js';
import { User, USER_PROFILE_FIELDS, type UserProfile } from './entities.js';
import type { UsersConfig } from './environment.js';
import type { SigningKeys } from './keys.js';
import type { PasswordHasher } from './passwords.js';
import type { LoginThrottle, SignUpThrottle } from './throttle.js';

/** What the users subgraph needs for a whole process: built once in createUsersServices. */
export interface UsersServices {
  config: UsersConfig;
  keys: SigningKeys;
  verifyAccessToken: AccessTokenVerifier;
  /** This process's copy of the revocation list: pushed, and invalidated right after a revocation here. */
  revocations: RevocationSource;
  loginThrottle: LoginThrottle;
  signUpThrottle: SignUpThrottle;
  /** The password rule and argon2, in a lower-priority child process, bounded: a full queue answers RATE_LIMITED at once. */
  passwords: PasswordHasher;
}

export interface UsersContext extends RequestContext {
  /** The caller's address as seen through trusted proxies (throttling key). */
  clientAddress: string;
  /** A fork of the global entity manager: one unit of work per request. */
  em: EntityManager;
  loaders: { userById: DataLoader<string, UserProfile | null> };
  services: UsersServices;
  /** The auth events of this request (users.auth_event). */
  trail: AuthTrail;
  /**
   * Accounts this request signed in as (signUp, login, refreshSession): their payload's `user`
   * is shown in full although the request carries no token yet.
   */
  signedInAs: Set<string>;
}

/**
 * Loads a page of users with one SQL statement, whatever the page size. Read-only, so the rows
 * come back as plain objects (column names mapped to properties) rather than managed entities:
 * building and registering entities was a third of this subgraph's CPU on `_entities` requests.
 */
function userLoader(em: EntityManager) {
  return new DataLoader<string, UserProfile | null>(async (ids) => {
    // Anything but a UUID names no account (and would be a type error in PostgreSQL).
    const valid = ids.filter(isUuid);
    const users = valid.length
      ? await em
          .createQueryBuilder(User)
          .select([...USER_PROFILE_FIELDS])
          .where({ id: { $in: valid } })
          .execute<UserProfile[]>('all', true)
      : [];
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The client's address: the gateway's CLIENT_ADDRESS_HEADER when the caller is trusted (it passed
 * the SUBGRAPH_SECRET check, or it is on loopback while no secret is set), the peer otherwise.
 */
function clientAddressOf(req: RequestScope['req'], config: UsersConfig): string {
  const forwarded = req.headers[CLIENT_ADDRESS_HEADER];
  const trusted = config.SUBGRAPH_SECRET !== undefined || LOOPBACK.has(req.socket?.remoteAddress ?? '');
  if (trusted && typeof forwarded === 'string' && isIP(forwarded)) return forwarded;
  return req.ip ?? 'unknown';
}

export async function createUsersContext(
  scope: RequestScope,
  em: EntityManager,
  services: UsersServices,
): Promise<UsersContext> {
  const request = await createRequestContext(scope, services.verifyAccessToken);
  const clientAddress = clientAddressOf(scope.req, services.config);
  return {
    ...request,
    clientAddress,
    em,
    loaders: { userById: userLoader(em) },
    services,
    trail: createAuthTrail({ em, viewer: request.viewer, clientAddress, requestId: request.requestId }),
    signedInAs: new Set(),
  };
}
