import { randomUUID } from 'node:crypto';
import { BadUserInputError, ConflictError, UnauthenticatedError } from '@healthsync/orm';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MutationResolvers } from '../generated/resolvers.js';
import { User } from '../entities.js';
import { assertAcceptablePassword, hashPassword, verifyPassword } from '../passwords.js';
import { issueTokens } from '../tokens.js';

const INVALID_CREDENTIALS = 'Invalid email or password';

function normaliseName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length < 1 || trimmed.length > 200)
    throw new BadUserInputError('Name must be 1 to 200 characters long', 'name');
  return trimmed;
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

  login: async (_parent, { input }, { em, services }) => {
    const user = await em.findOne(User, { email: input.email.trim() });
    const valid = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !valid || !user.active) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    user.lastLoginAt = new Date();
    const tokens = await issueTokens(em, user, services.keys, services.config);
    await em.flush();
    return tokens;
  },
};
