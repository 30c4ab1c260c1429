import { CAN_READ_PATIENTS, requireViewer } from '@healthsync/orm/auth';
import { isUuid } from '@healthsync/orm';
import { authorize, canSeeArchived } from '../access.js';
import type { UserResolvers } from '../generated/resolvers.js';
import { searchPatients } from '../patients/read.js';

/** A `User` entity reference for an author id (the users subgraph resolves the rest). */
export const userReference = (id: string | null | undefined) => (id ? { id } : null);

export const User: UserResolvers = {
  // The users subgraph owns accounts: all this one knows of a user is their id.
  __resolveReference: (reference, context) => {
    requireViewer(context);
    return { id: reference.id };
  },

  patientsCreated: async (user, args, context, info) => {
    const viewer = authorize(context, info, 'SEARCH', CAN_READ_PATIENTS);
    return searchPatients(context, info, {
      // Not a user id: nobody created anything.
      filter: {
        createdById: isUuid(user.id) ? user.id : '00000000-0000-0000-0000-000000000000',
        includeInactive: canSeeArchived(viewer),
      },
      first: args.first ?? 20,
      after: args.after ?? null,
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
    });
  },
};
