import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES, USER_STATES } from '@healthsync/orm/auth';

export const User = defineEntity({
  name: 'User',
  tableName: 'account',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    // citext: one account per address whatever its case.
    email: p.string().columnType('citext').unique(),
    name: p.string().length(200),
    passwordHash: p.text(),
    /** None while the account waits for an admin's approval (PENDING). */
    role: p.enum([...ROLES]).nullable(),
    state: p.enum([...USER_STATES]).default('ACTIVE'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    lastLoginAt: p.datetime().nullable(),
    /**
     * Access tokens issued before this instant are refused (password change, role change,
     * deactivation); the services learn it from the pushed revocation stream within seconds.
     */
    tokensValidAfter: p.datetime().nullable(),
  },
  // An account that can work has a role; only a waiting (or deactivated) one may have none.
  checks: [{ name: 'account_active_has_role', expression: "role IS NOT NULL OR state <> 'ACTIVE'" }],
});
export type User = InferEntity<typeof User>;

/** The columns of an account the GraphQL `User` type shows (never the password hash). */
export const USER_PROFILE_FIELDS = ['id', 'email', 'name', 'role', 'state', 'createdAt', 'lastLoginAt'] as const;
/** An account as GraphQL reads it: a managed `User` entity, or a plain row of USER_PROFILE_FIELDS. */
export type UserProfile = Pick<User, (typeof USER_PROFILE_FIELDS)[number]>;

/**
 * One refresh token of a session family. Only its SHA-256 is stored; each use replaces it with a
 * new one in the same family, so a replayed (already used) token exposes the family.
 */
export const RefreshSession = defineEntity({
  name: 'RefreshSession',
  tableName: 'refresh_session',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    familyId: p.uuid().index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** End of the whole family, however often it is refreshed. */
    familyExpiresAt: p.datetime(),
    /** Set when this token was exchanged for the next one. */
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type RefreshSession = InferEntity<typeof RefreshSession>;

/**
 * Failed sign-in counters shared by every replica. The table's shape is the one
 * rate-limiter-flexible's PostgreSQL store reads and writes; it is declared here so that the
 * migration creates it (the service role cannot create tables).
 */
export const LoginThrottle = defineEntity({
  name: 'LoginThrottle',
  tableName: 'login_throttle',
  properties: {
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    /** Epoch milliseconds when the counter resets. */
    expire: p.bigint('number').nullable(),
  },
});

/**
 * An admin's invitation to sign up (SIGNUP_MODE=invite): for one email, with the role the account
 * gets; used once, and only before it expires. Only the SHA-256 of its token is stored.
 */
export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    email: p.string().columnType('citext').index(),
    role: p.enum([...ROLES]),
    tokenHash: p.string().length(64).unique(),
    /** The admin who made it (no foreign key: the trail outlives accounts). */
    createdBy: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    /** The account made with it. */
    usedBy: p.uuid().nullable(),
  },
});
export type Invitation = InferEntity<typeof Invitation>;

export const AUTH_ACTIONS = [
  'SIGN_IN',
  'SIGN_UP',
  'REFRESH',
  'REFRESH_REUSE',
  'LOGOUT',
  'PASSWORD_CHANGE',
  'ROLE_CHANGE',
  'APPROVAL',
  'INVITATION',
  'DEACTIVATION',
] as const;
export type AuthAction = (typeof AUTH_ACTIONS)[number];
export const AUTH_OUTCOMES = ['SUCCESS', 'DENIED', 'FAILED'] as const;
export type AuthOutcome = (typeof AUTH_OUTCOMES)[number];

/**
 * The trail of every sign-in, session and account change. Append-only in the database (the
 * service role has no UPDATE or DELETE on it, and a trigger refuses them), and without foreign
 * keys, so that no account change can take rows with it.
 */
export const AuthEvent = defineEntity({
  name: 'AuthEvent',
  tableName: 'auth_event',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    at: p.datetime().onCreate(() => new Date()),
    action: p.enum([...AUTH_ACTIONS]),
    outcome: p.enum([...AUTH_OUTCOMES]),
    /** Who did it: the signed-in caller, or the account signing in. */
    actorId: p.uuid().nullable(),
    /** The account it was about, when there is one. */
    targetUserId: p.uuid().nullable(),
    clientAddress: p.string().length(64).nullable(),
    requestId: p.string().length(128).nullable(),
  },
  indexes: [{ properties: ['at', 'id'] }, { properties: ['targetUserId', 'at'] }, { properties: ['actorId', 'at'] }],
});
export type AuthEvent = InferEntity<typeof AuthEvent>;

/** Every entity of the users subgraph (what its ORM and its migrations know). */
export const entities = [User, RefreshSession, LoginThrottle, Invitation, AuthEvent];
