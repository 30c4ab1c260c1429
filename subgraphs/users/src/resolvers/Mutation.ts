import { randomUUID } from 'node:crypto';
import {
  BadUserInputError,
  CAN_ADMINISTER,
  ConflictError,
  NotFoundError,
  requireRole,
  requireViewer,
  SignInRequiredError,
} from '@healthsync/orm';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MutationResolvers } from '../generated/resolvers.js';
import type { UsersContext } from '../context.js';
import { User } from '../entities.js';
import { assertAcceptablePassword, hashPassword, needsRehash, verifyPassword } from '../passwords.js';
import { cutOffAccessTokens, endSession, issueTokens, revokeAllSessions, rotateRefreshToken } from '../tokens.js';

// One answer for unknown email, wrong password and deactivated account: nothing to enumerate.
const INVALID_CREDENTIALS = 'Invalid email or password';

function normaliseName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length < 1 || trimmed.length > 200)
    throw new BadUserInputError('Name must be 1 to 200 characters long', 'name');
  return trimmed;
}

/** The account an admin acts on; NOT_FOUND when there is none. */
async function targetUser({ em }: UsersContext, id: string): Promise<User> {
  const user = await em.findOne(User, { id });
  if (!user) throw new NotFoundError('User');
  return user;
}

/** Persists the cut-off, then drops this process's cached revocation list so it applies here at once. */
async function flushRevocation(context: UsersContext): Promise<void> {
  await context.em.flush();
  context.services.revocations.invalidate();
}

export const Mutation: MutationResolvers = {
  signUp: async (_parent, { input }, { em, services }) => {
    const name = normaliseName(input.name);
    assertAcceptablePassword(input.password);
    const user = em.create(User, {
      id: randomUUID(), // known before the flush: the access token names it
      email: input.email.trim(),
      name,
      passwordHash: await hashPassword(input.password),
      role: services.config.SIGNUP_DEFAULT_ROLE,
    });
    const tokens = await issueTokens(em, user, services.keys, services.config);
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new ConflictError('An account with this email already exists');
      }
      throw error;
    }
    return tokens;
  },

  login: async (_parent, { input }, { em, services, clientAddress }) => {
    const email = input.email.trim();
    await services.loginThrottle.attempt(email, clientAddress);
    const user = await em.findOne(User, { email });
    // verifyPassword checks against a dummy hash when there is no account: same time either way.
    const valid = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !valid || !user.active) throw new SignInRequiredError(INVALID_CREDENTIALS);
    await services.loginThrottle.succeeded(email, clientAddress);
    if (needsRehash(user.passwordHash)) user.passwordHash = await hashPassword(input.password);
    user.lastLoginAt = new Date();
    const tokens = await issueTokens(em, user, services.keys, services.config);
    await em.flush();
    return tokens;
  },

  refreshSession: (_parent, { refreshToken }, { em, services, logger }) =>
    rotateRefreshToken(em, refreshToken, services.keys, services.config, logger),

  logout: async (_parent, { refreshToken }, { em }) => {
    await endSession(em, refreshToken);
    return true;
  },

  changePassword: async (_parent, { currentPassword, newPassword }, context) => {
    const viewer = requireViewer(context);
    const { em, services, clientAddress } = context;
    const user = await em.findOne(User, { id: viewer.userId });
    if (!user?.active) throw new SignInRequiredError();
    // Guessing the current password with a stolen access token is throttled like a login.
    await services.loginThrottle.attempt(user.email, clientAddress);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new BadUserInputError('Current password is wrong', 'currentPassword');
    }
    await services.loginThrottle.succeeded(user.email, clientAddress);
    assertAcceptablePassword(newPassword, 'newPassword');
    user.passwordHash = await hashPassword(newPassword);
    cutOffAccessTokens(user);
    await revokeAllSessions(em, user.id);
    await flushRevocation(context);
    return true;
  },

  setUserRole: async (_parent, { id, role }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const user = await targetUser(context, id);
    // An admin cannot demote themself: the last admin would lock everybody out of user management.
    if (user.id === admin.userId && role !== 'ADMIN') {
      throw new BadUserInputError('You cannot change your own role', 'id');
    }
    if (user.role !== role) {
      user.role = role;
      // Tokens carry the role: the old ones must not outlive the change.
      cutOffAccessTokens(user);
      await flushRevocation(context);
      context.logger.info({ userId: user.id, role, by: admin.userId }, 'role changed');
    }
    return user;
  },

  deactivateUser: async (_parent, { id }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const user = await targetUser(context, id);
    if (user.id === admin.userId) throw new BadUserInputError('You cannot deactivate yourself', 'id');
    if (user.active) {
      user.active = false;
      cutOffAccessTokens(user);
      await revokeAllSessions(context.em, user.id);
      await flushRevocation(context);
      context.logger.info({ userId: user.id, by: admin.userId }, 'user deactivated');
    }
    return user;
  },
};
