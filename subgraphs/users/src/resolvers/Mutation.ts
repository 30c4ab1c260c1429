import { randomUUID } from 'node:crypto';
import {
  AppError,
  BadUserInputError,
  ConflictError,
  NotFoundError,
  requireUuid,
  SignInRequiredError,
} from '@healthsync/orm';
import { CAN_ADMINISTER, requireRole, requireViewer } from '@healthsync/orm/auth';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { UsersContext } from '../context.js';
import { Invitation, User } from '../entities.js';
import type { MutationResolvers, SignUpInput } from '../generated/resolvers.js';
import { needsRehash } from '../passwords.js';
import {
  cutOffAccessTokens,
  endSession,
  hashRefreshToken,
  type IssuedTokens,
  issueTokens,
  newRefreshToken,
  payload,
  revokeAllSessions,
  rotateRefreshToken,
} from '../tokens.js';

// One answer for unknown email, wrong password and deactivated account: nothing to enumerate.
const INVALID_CREDENTIALS = 'Invalid email or password';
// One answer for a missing, wrong, used or expired invitation, and for an email already taken.
const INVALID_INVITATION = 'Invalid or expired invitation';

function normaliseName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length < 1 || trimmed.length > 200)
    throw new BadUserInputError('Name must be 1 to 200 characters long', 'name');
  return trimmed;
}

/** The account an admin acts on; NOT_FOUND when there is none. */
async function targetUser({ em }: UsersContext, id: string): Promise<User> {
  const user = await em.findOne(User, { id: requireUuid(id) });
  if (!user) throw new NotFoundError('User');
  return user;
}

/** Persists the cut-off, then drops this process's cached revocation list so it applies here at once. */
async function flushRevocation(context: UsersContext): Promise<void> {
  await context.em.flush();
  context.services.revocations.invalidate();
}

/**
 * Runs `work`; a client error it throws is recorded as `action` DENIED first, about the account
 * `work` named with `about` (if any).
 */
async function recordingRefusal<T>(
  context: UsersContext,
  action: Parameters<UsersContext['trail']['write']>[0],
  work: (about: (userId: string | undefined) => void) => Promise<T>,
): Promise<T> {
  let targetUserId: string | undefined;
  try {
    return await work((userId) => {
      targetUserId = userId;
    });
  } catch (error) {
    if (error instanceof AppError) await context.trail.write(action, 'DENIED', { targetUserId });
    throw error;
  }
}

/**
 * What signUp answers in approval mode when the email is taken: a payload shaped like the one a
 * new PENDING account gets (a token of an account that does not exist, a refresh token that
 * names no session), so that the answer tells nothing about the email.
 */
async function unrevealingPayload(context: UsersContext, input: SignUpInput, name: string): Promise<IssuedTokens> {
  const now = new Date();
  const phantom = {
    id: randomUUID(),
    email: input.email.trim(),
    name,
    role: null,
    state: 'PENDING',
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
    tokensValidAfter: null,
  } as unknown as User;
  context.signedInAs.add(phantom.id);
  return payload(phantom, newRefreshToken(), context.services.keys, context.services.config);
}

/** The invitation `token` names, still usable by `email`; BAD_USER_INPUT otherwise (any reason, one message). */
async function usableInvitation(context: UsersContext, token: string, email: string): Promise<Invitation> {
  const invitation = await context.em.findOne(Invitation, {
    tokenHash: hashRefreshToken(token),
    email,
    usedAt: null,
    expiresAt: { $gt: new Date() },
  });
  if (!invitation) throw new BadUserInputError(INVALID_INVITATION, 'invitation');
  return invitation;
}

async function signUp(
  context: UsersContext,
  input: SignUpInput,
  about: (userId: string | undefined) => void,
): Promise<IssuedTokens> {
  const { em, services, trail } = context;
  const { config } = services;
  // A flood is shed here, before anything costs: no throttle counter, no look-up, no password rule.
  // Nothing about the email is known yet, so the refusal tells nothing about it.
  services.passwords.assertRoom();
  // Stryker disable next-line MethodExpression: the EmailAddress scalar already refuses surrounding spaces
  const email = input.email.trim();
  await services.signUpThrottle.attempt(context.clientAddress);
  const name = normaliseName(input.name);
  if (config.SIGNUP_MODE === 'invite' && !input.invitation)
    throw new BadUserInputError('Signing up needs an invitation from an administrator', 'invitation');
  const invitation = input.invitation ? await usableInvitation(context, input.invitation, email) : undefined;

  const id = randomUUID(); // known before the flush: the access token names it
  const passwordHash = await services.passwords.hashAcceptable(input.password, { email, name });
  const approvalNeeded = !invitation && config.SIGNUP_MODE === 'approval';
  const user = em.create(User, {
    id,
    email,
    name,
    passwordHash,
    ...(invitation
      ? { role: invitation.role, state: 'ACTIVE' as const }
      : approvalNeeded
        ? { role: null, state: 'PENDING' as const }
        : { role: config.SIGNUP_DEFAULT_ROLE, state: 'ACTIVE' as const }),
  });
  if (invitation) Object.assign(invitation, { usedAt: new Date(), usedBy: id });
  const tokens = await issueTokens(em, user, services.keys, config);
  trail.add('SIGN_UP', 'SUCCESS', { actorId: id, targetUserId: id });
  try {
    // Account, invitation used up, session and auth event: one transaction.
    await em.flush();
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    em.clear();
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: what is loaded, not what is answered
    const taken = (await em.findOne(User, { email }, { fields: ['id'] }))?.id;
    about(taken);
    if (invitation) throw new BadUserInputError(INVALID_INVITATION, 'invitation');
    if (!approvalNeeded) throw new ConflictError('An account with this email already exists');
    await trail.write('SIGN_UP', 'DENIED', { targetUserId: taken });
    return unrevealingPayload(context, input, name);
  }
  context.signedInAs.add(id);
  return tokens;
}

export const Mutation: MutationResolvers = {
  signUp: (_parent, { input }, context) =>
    recordingRefusal(context, 'SIGN_UP', (about) => signUp(context, input, about)),

  login: async (_parent, { input }, context) => {
    const { em, services, clientAddress, trail } = context;
    const email = input.email.trim();
    const user = await em.findOne(User, { email });
    return recordingRefusal(context, 'SIGN_IN', async (about) => {
      about(user?.id);
      await services.loginThrottle.attempt(email, clientAddress);
      // verify checks against a dummy hash when there is no account: same time either way.
      const valid = await services.passwords.verify(user?.passwordHash, input.password);
      if (!user || !valid || user.state === 'DEACTIVATED') throw new SignInRequiredError(INVALID_CREDENTIALS);
      await services.loginThrottle.succeeded(email, clientAddress);
      if (needsRehash(user.passwordHash)) user.passwordHash = await services.passwords.hash(input.password);
      user.lastLoginAt = new Date();
      const tokens = await issueTokens(em, user, services.keys, services.config);
      trail.add('SIGN_IN', 'SUCCESS', { actorId: user.id, targetUserId: user.id });
      await em.flush();
      context.signedInAs.add(user.id);
      return tokens;
    });
  },

  refreshSession: async (_parent, { refreshToken }, context) => {
    const { em, services, logger, trail } = context;
    const tokens = await rotateRefreshToken(em, refreshToken, {
      keys: services.keys,
      config: services.config,
      logger,
      trail,
    });
    context.signedInAs.add(tokens.user.id);
    return tokens;
  },

  logout: async (_parent, { refreshToken }, context) => {
    const userId = await endSession(context.em, refreshToken);
    await context.trail.write('LOGOUT', userId ? 'SUCCESS' : 'FAILED', {
      actorId: userId ?? context.viewer?.userId ?? null,
      targetUserId: userId,
    });
    return true;
  },

  changePassword: async (_parent, { currentPassword, newPassword }, context) => {
    const viewer = requireViewer(context);
    const { em, services, clientAddress } = context;
    const user = await em.findOne(User, { id: viewer.userId });
    if (!user || user.state === 'DEACTIVATED') throw new SignInRequiredError();
    return recordingRefusal(context, 'PASSWORD_CHANGE', async (about) => {
      about(user.id);
      // Guessing the current password with a stolen access token is throttled like a login.
      await services.loginThrottle.attempt(user.email, clientAddress);
      if (!(await services.passwords.verify(user.passwordHash, currentPassword))) {
        throw new BadUserInputError('Current password is wrong', 'currentPassword');
      }
      await services.loginThrottle.succeeded(user.email, clientAddress);
      user.passwordHash = await services.passwords.hashAcceptable(newPassword, user, 'newPassword');
      cutOffAccessTokens(user);
      await revokeAllSessions(em, user.id);
      context.trail.add('PASSWORD_CHANGE', 'SUCCESS', { targetUserId: user.id });
      await flushRevocation(context);
      return true;
    });
  },

  approveUser: async (_parent, { id, role }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const user = await targetUser(context, id);
    if (user.state !== 'PENDING') throw new ConflictError('This account is not waiting for approval');
    Object.assign(user, { state: 'ACTIVE', role });
    // Its role-less tokens end: the client's refresh gets one with the role.
    cutOffAccessTokens(user);
    context.trail.add('APPROVAL', 'SUCCESS', { targetUserId: user.id });
    await flushRevocation(context);
    context.logger.info({ userId: user.id, role, by: admin.userId }, 'user approved');
    return user;
  },

  inviteUser: async (_parent, { email, role }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const { em, services } = context;
    // Stryker disable next-line MethodExpression: the EmailAddress scalar already refuses surrounding spaces
    const address = email.trim();
    if (await em.count(User, { email: address })) throw new ConflictError('An account with this email already exists');
    const token = newRefreshToken();
    const invitation = em.create(Invitation, {
      email: address,
      role,
      tokenHash: hashRefreshToken(token),
      createdBy: admin.userId,
      expiresAt: new Date(Date.now() + services.config.INVITATION_TTL_SECONDS * 1000),
    });
    // Stryker disable next-line ObjectLiteral: no target is the trail's default too
    context.trail.add('INVITATION', 'SUCCESS', { targetUserId: null });
    await em.flush();
    // Stryker disable next-line ObjectLiteral,StringLiteral: what the log line says
    context.logger.info({ invitationId: invitation.id, role, by: admin.userId }, 'invitation made');
    return { token, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt };
  },

  setUserRole: async (_parent, { id, role }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const user = await targetUser(context, id);
    // An admin cannot demote themself: the last admin would lock everybody out of user management.
    if (user.id === admin.userId && role !== 'ADMIN') {
      throw new BadUserInputError('You cannot change your own role', 'id');
    }
    if (user.state === 'PENDING') throw new ConflictError('This account is waiting for approval: use approveUser');
    if (user.role !== role) {
      user.role = role;
      // Tokens carry the role: the old ones must not outlive the change.
      cutOffAccessTokens(user);
      context.trail.add('ROLE_CHANGE', 'SUCCESS', { targetUserId: user.id });
      await flushRevocation(context);
      context.logger.info({ userId: user.id, role, by: admin.userId }, 'role changed');
    }
    return user;
  },

  deactivateUser: async (_parent, { id }, context) => {
    const admin = requireRole(context, ...CAN_ADMINISTER);
    const user = await targetUser(context, id);
    if (user.id === admin.userId) throw new BadUserInputError('You cannot deactivate yourself', 'id');
    if (user.state !== 'DEACTIVATED') {
      user.state = 'DEACTIVATED';
      cutOffAccessTokens(user);
      await revokeAllSessions(context.em, user.id);
      context.trail.add('DEACTIVATION', 'SUCCESS', { targetUserId: user.id });
      await flushRevocation(context);
      context.logger.info({ userId: user.id, by: admin.userId }, 'user deactivated');
    }
    return user;
  },
};
