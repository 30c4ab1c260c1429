import { requireViewer } from '@healthsync/orm';
import type { UserResolvers } from '../generated/resolvers.js';

export const User: UserResolvers = {
  // Entity references (createdBy, updatedBy…) from other subgraphs: any signed-in user may read
  // who did what; the loader batches a whole page of references into one query.
  __resolveReference: async (reference, context) => {
    requireViewer(context);
    return context.loaders.userById.load(reference.id);
  },
};
