import { BadUserInputError, isUuid, requireUuid } from '@healthsync/orm';
import { CAN_ADMINISTER, requireRole, requireViewer } from '@healthsync/orm/auth';
import { listAuthEvents } from '../auth-events.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import { User } from '../entities.js';

const MAX_PAGE = 100;

// Keyset cursor: the last row's (createdAt, id), opaque to clients.
const encodeCursor = (user: User) =>
  Buffer.from(JSON.stringify([user.createdAt.toISOString(), user.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(createdAt as string);
    if (typeof createdAt === 'string' && isUuid(id) && !Number.isNaN(date.getTime())) return { createdAt: date, id };
  } catch {}
  throw new BadUserInputError('Invalid cursor', 'after');
}

export const Query: QueryResolvers = {
  me: async (_parent, _args, context) => {
    if (!context.viewer) return null;
    const user = await context.loaders.userById.load(context.viewer.userId);
    return user && user.state !== 'DEACTIVATED' ? user : null;
  },

  user: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    // DESIGN §5: ADMIN, or yourself. Others meet accounts only through records (createdBy…),
    // where User shows them the id and name.
    if (viewer.userId !== id) requireRole(context, ...CAN_ADMINISTER);
    return context.loaders.userById.load(requireUuid(id));
  },

  users: async (_parent, { filter, first, after }, context) => {
    requireRole(context, ...CAN_ADMINISTER);
    const limit = first ?? 20;
    if (limit < 1 || limit > MAX_PAGE) throw new BadUserInputError(`first must be 1 to ${MAX_PAGE}`, 'first');
    const start = after ? decodeCursor(after) : undefined;
    const matching = {
      ...(filter?.state ? { state: filter.state } : {}),
      ...(filter?.role ? { role: filter.role } : {}),
    };
    const where = start
      ? {
          ...matching,
          $or: [{ createdAt: { $gt: start.createdAt } }, { createdAt: start.createdAt, id: { $gt: start.id } }],
        }
      : matching;
    const [rows, totalCount] = await Promise.all([
      context.em.find(User, where, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: limit + 1 }),
      context.em.fork().count(User, matching),
    ]);
    const page = rows.slice(0, limit);
    return {
      edges: page.map((node) => ({ cursor: encodeCursor(node), node })),
      pageInfo: {
        hasNextPage: rows.length > limit,
        endCursor: page.length ? encodeCursor(page[page.length - 1] as User) : null,
      },
      totalCount,
    };
  },

  authEvents: async (_parent, { filter, first, after }, context) => {
    requireRole(context, ...CAN_ADMINISTER);
    return listAuthEvents(context.em, filter ?? {}, first ?? 20, after);
  },
};
