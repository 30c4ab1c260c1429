import { randomBytes } from 'node:crypto';
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLResolveInfo } from 'graphql';
import { BadUserInputError, type Logger, type Viewer } from '@healthsync/orm';
import type { FilterQuery } from '@mikro-orm/core';
import { type AuditAction, AuditEvent, type AuditOutcome } from './entities.js';
import { isUuid } from './patients/ids.js';
import { MAX_PAGE_SIZE } from './patients/list.js';

/** Who did it and in which request: everything an audit row needs besides the action. */
export interface AuditScope {
  viewer: Viewer | null;
  requestId: string;
  operationName: string | null;
}

export interface AuditEventData {
  id: string;
  at: Date;
  actorId: string | null;
  actorRole: Viewer['role'] | null;
  action: AuditAction;
  patientId: string | null;
  /** The FHIR resource type the event is about (Patient, Condition, Observation…). */
  resourceType: string | null;
  outcome: AuditOutcome;
  requestId: string;
  operationName: string | null;
}

export function auditScope(
  context: { viewer: Viewer | null; requestId: string },
  info: GraphQLResolveInfo,
): AuditScope {
  return { viewer: context.viewer, requestId: context.requestId, operationName: info.operation.name?.value ?? null };
}

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562: milliseconds, then a counter) and its instant. The log is read newest first
 * by (at, id): events of the same millisecond then keep the order in which this process made them.
 */
export function timeOrderedId(now = Date.now()): { id: string; at: Date } {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    sequence++;
    if (sequence > 0xfff) {
      ms = lastMs + 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, at: new Date(ms) };
}

/** One audit row. Never PHI: a patient id only when it is a well-formed id. */
export function auditEvent(
  scope: AuditScope,
  action: AuditAction,
  outcome: AuditOutcome,
  patientId?: string | null,
  resourceType = 'Patient',
): AuditEventData {
  return {
    ...timeOrderedId(),
    actorId: scope.viewer?.userId ?? null,
    actorRole: scope.viewer?.role ?? null,
    action,
    patientId: isUuid(patientId) ? patientId : null,
    resourceType,
    outcome,
    requestId: scope.requestId,
    operationName: scope.operationName?.slice(0, 200) ?? null,
  };
}

/** Inserts an audit row with `em`: inside a write's transaction, it commits or rolls back with it. */
export async function insertAuditEvent(em: EntityManager, event: AuditEventData): Promise<void> {
  await em.insert(AuditEvent, event);
}

/** Audit rows of one request that belong to no write transaction, inserted together per tick. */
export function createAuditWriter(em: EntityManager) {
  return new DataLoader<AuditEventData, true>(
    async (events) => {
      await em.insertMany(AuditEvent, [...events]);
      return events.map(() => true as const);
    },
    { cache: false },
  );
}

export interface AuditEventFilter {
  patientId?: string | null;
  actorId?: string | null;
  action?: AuditAction | null;
  from?: Date | null;
  to?: Date | null;
}

/** The audit log newest first, keyset-paginated on (at, id). */
export async function listAuditEvents(
  em: EntityManager,
  args: { filter: AuditEventFilter; first: number; after?: string | null },
) {
  const { filter, first } = args;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  for (const field of ['patientId', 'actorId'] as const) {
    const value = filter[field];
    if (value !== null && value !== undefined && !isUuid(value))
      throw new BadUserInputError(`filter.${field} must be an id`, `filter.${field}`);
  }
  const where: FilterQuery<AuditEvent>[] = [];
  if (filter.patientId) where.push({ patientId: filter.patientId });
  if (filter.actorId) where.push({ actorId: filter.actorId });
  if (filter.action) where.push({ action: filter.action });
  if (filter.from) where.push({ at: { $gte: filter.from } });
  if (filter.to) where.push({ at: { $lt: filter.to } });
  if (args.after) {
    const [at, id] = decodeAuditCursor(args.after);
    where.push({ $or: [{ at: { $lt: at } }, { at, id: { $lt: id } }] });
  }
  const events = await em.find(AuditEvent, where.length ? { $and: where } : {}, {
    orderBy: { at: 'desc', id: 'desc' },
    limit: first + 1,
  });
  const edges = events.slice(0, first).map((node) => ({ cursor: encodeAuditCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: events.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

// Audit times come from JavaScript dates (millisecond precision), so they survive the cursor exactly.
function encodeAuditCursor(event: AuditEvent): string {
  return Buffer.from(JSON.stringify([event.at.toISOString(), event.id])).toString('base64url');
}

function decodeAuditCursor(after: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(at));
    if (typeof at === 'string' && !Number.isNaN(date.getTime()) && isUuid(id)) return [date, id];
  } catch {}
  throw new BadUserInputError('after is not a cursor of the audit log', 'after');
}

/**
 * Runs `work`; when it throws, writes a FAILED row (outside the failed transaction, so no row
 * claims success) and rethrows. A failure to write that row is logged, never hides the error.
 */
export async function recordFailure<T>(
  context: { audit: DataLoader<AuditEventData, true>; logger: Pick<Logger, 'error'> },
  scope: AuditScope,
  action: AuditAction,
  patientId: string | null,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await context.audit.load(auditEvent(scope, action, 'FAILED', patientId)).catch((auditError: unknown) => {
      context.logger.error({ err: auditError }, 'audit write failed');
    });
    throw error;
  }
}
