import { HAS_A_ROLE, requireRole } from '@healthsync/orm/auth';
import type { UsersContext } from '../context.js';
import type { UserProfile } from '../entities.js';
import type { UserResolvers } from '../generated/resolvers.js';

/**
 * Whether `context`'s caller may see more of `user` than its id and name: an ADMIN, the user
 * themself, or the request that has just signed in as them (its payload's `user`).
 */
function seesDetails(context: UsersContext, user: UserProfile): boolean {
  const { viewer } = context;
  return viewer?.role === 'ADMIN' || viewer?.userId === user.id || context.signedInAs.has(user.id);
}

/** A field only an ADMIN or the user themself sees; null for anyone else (the rest of the answer stands). */
const restricted =
  <T>(read: (user: UserProfile) => T) =>
  (user: UserProfile, _args: unknown, context: UsersContext): T | null =>
    seesDetails(context, user) ? read(user) : null;

export const User: UserResolvers = {
  // Entity references (createdBy, updatedBy…) from other subgraphs: anyone signed in with a role
  // may read who did what; the loader batches a whole page of references into one query.
  __resolveReference: async (reference, context) => {
    requireRole(context, ...HAS_A_ROLE);
    return context.loaders.userById.load(reference.id);
  },
  email: restricted((user) => user.email),
  role: restricted((user) => user.role ?? null),
  state: restricted((user) => user.state),
  active: restricted((user) => user.state === 'ACTIVE'),
  lastLoginAt: restricted((user) => user.lastLoginAt ?? null),
};
