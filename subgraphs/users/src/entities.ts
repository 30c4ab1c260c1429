import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES } from '@healthsync/orm';

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
    role: p.enum([...ROLES]).default('CLINICIAN'),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    lastLoginAt: p.datetime().nullable(),
    /**
     * Access tokens issued before this instant are refused (password change, role change,
     * deactivation); the services learn it through the revocation list within a minute.
     */
    tokensValidAfter: p.datetime().nullable(),
  },
});
export type User = InferEntity<typeof User>;

/** The columns of an account the GraphQL `User` type shows (never the password hash). */
export const USER_PROFILE_FIELDS = ['id', 'email', 'name', 'role', 'active', 'createdAt', 'lastLoginAt'] as const;
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

/** Every entity of the users subgraph (what its ORM and its migrations know). */
export const entities = [User, RefreshSession, LoginThrottle];
