import type { QueryResolvers } from '../generated/resolvers.js';

export const Query: QueryResolvers = {
  me: async (_parent, _args, context) => {
    if (!context.viewer) return null;
    const user = await context.loaders.userById.load(context.viewer.userId);
    return user?.active ? user : null;
  },
};
