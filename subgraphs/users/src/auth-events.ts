import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, isUuid } from '@healthsync/orm';
import type { Viewer } from '@healthsync/orm/auth';
import { type AuthAction, AuthEvent, type AuthOutcome } from './entities.js';

/** Who an event is about, besides the request it came with. */
export interface AuthEventParties {
  /** Who did it; defaults to the signed-in caller. */
  actorId?: string | null | undefined;
  targetUserId?: string | null | undefined;
}

/** The request an event is recorded for. */
export interface AuthEventScope {
  em: EntityManager;
  viewer: Viewer | null;
  clientAddress: string;
  requestId: string;
}

/** Writes the auth events of one request (`users.auth_event`, append-only). */
export interface AuthTrail {
  /** Persisted by the request's next flush, in the same transaction as the change it records. */
  add(action: AuthAction, outcome: AuthOutcome, parties?: AuthEventParties): void;
  /** Written at once, on its own: a refusal or failure, when the request is about to throw. */
  write(action: AuthAction, outcome: AuthOutcome, parties?: AuthEventParties): Promise<void>;
}

export function createAuthTrail(scope: AuthEventScope): AuthTrail {
  const row = (action: AuthAction, outcome: AuthOutcome, parties: AuthEventParties) => ({
    action,
    outcome,
    actorId: parties.actorId === undefined ? (scope.viewer?.userId ?? null) : parties.actorId,
    targetUserId: parties.targetUserId ?? null,
    clientAddress: scope.clientAddress.slice(0, 64),
    requestId: scope.requestId.slice(0, 128),
  });
  return {
    add(action, outcome, parties = {}) {
      scope.em.create(AuthEvent, row(action, outcome, parties));
    },
    async write(action, outcome, parties = {}) {
      await scope.em.insert(AuthEvent, { ...row(action, outcome, parties), id: randomUUID(), at: new Date() });
    },
  };
}

export interface AuthEventFilter {
  /** Events by this account or about it. */
  userId?: string | null | undefined;
  action?: AuthAction | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
}

const MAX_PAGE = 100;

// Keyset cursor: the last row's (at, id), newest first; opaque to clients.
const encodeCursor = (event: AuthEvent) =>
  Buffer.from(JSON.stringify([event.at.toISOString(), event.id])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(at as string);
    if (typeof at === 'string' && isUuid(id) && !Number.isNaN(date.getTime())) return { at: date, id };
  } catch {}
  throw new BadUserInputError('Invalid cursor', 'after');
}

/** A page of auth events matching `filter`, newest first (`authEvents`). */
export async function listAuthEvents(
  em: EntityManager,
  filter: AuthEventFilter,
  first: number,
  after: string | null | undefined,
) {
  if (first < 1 || first > MAX_PAGE) throw new BadUserInputError(`first must be 1 to ${MAX_PAGE}`, 'first');
  const { userId, action, from, to } = filter;
  if (userId && !isUuid(userId)) throw new BadUserInputError('userId must be a UUID', 'filter.userId');
  const where: Record<string, unknown>[] = [];
  // Stryker disable next-line ConditionalExpression: MikroORM leaves out undefined conditions, so without a userId the $or matches every row
  if (userId) where.push({ $or: [{ actorId: userId }, { targetUserId: userId }] });
  if (action) where.push({ action });
  if (from) where.push({ at: { $gte: from } });
  if (to) where.push({ at: { $lt: to } });
  const filtered = { $and: [...where] };
  const start = after ? decodeCursor(after) : undefined;
  if (start) where.push({ $or: [{ at: { $lt: start.at } }, { at: start.at, id: { $lt: start.id } }] });
  const [rows, totalCount] = await Promise.all([
    em.find(AuthEvent, { $and: where }, { orderBy: { at: 'desc', id: 'desc' }, limit: first + 1 }),
    em.fork().count(AuthEvent, filtered),
  ]);
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  return {
    edges: page.map((node) => ({ cursor: encodeCursor(node), node })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last) : null },
    totalCount,
  };
}
