import { randomFillSync } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLResolveInfo } from 'graphql';
import { BadUserInputError, ErrorCode, isUuid, type Logger } from '@healthsync/orm';
import { executeBound } from '@healthsync/orm/database';
import type { Viewer } from '@healthsync/orm/auth';
import type { FilterQuery } from '@mikro-orm/core';
import { type AuditAction, AuditEvent, type AuditOutcome } from './entities.js';
import { isStorableDate, isUtcTimestamp } from './patients/validation.js';
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
  /** What was touched: `Patient`, `AuditEvent` (the log itself), or a clinical FHIR resource type. */
  resourceType: string;
  patientId: string | null;
  outcome: AuditOutcome;
  requestId: string;
  operationName: string | null;
}

/** The resource type of rows about a patient record (the default of auditEvent). */
export const PATIENT_RESOURCE = 'Patient';
/** The resource type of AUDIT_READ rows: the audit log itself. */
export const AUDIT_RESOURCE = 'AuditEvent';

/** What an audit row is about, when there is something to name. */
export interface AuditSubject {
  patientId?: string | null;
  resourceType?: string;
}

export function auditScope(
  context: { viewer: Viewer | null; requestId: string },
  info: GraphQLResolveInfo,
): AuditScope {
  return { viewer: context.viewer, requestId: context.requestId, operationName: info.operation.name?.value ?? null };
}

let lastMs = 0;
let sequence = 0;
// Random bytes drawn 4 KiB at a time: a page of 20 patients makes 20 ids, and one call to the
// CSPRNG per id was most of what building its audit rows cost.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function random16(): Buffer {
  // Stryker disable next-line EqualityOperator,ConditionalExpression: refilling sooner (or on every call) draws the same random bytes, only more often
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const bytes = Buffer.from(randomPool.subarray(randomOffset, randomOffset + 16));
  randomOffset += 16;
  return bytes;
}

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
  const bytes = random16();
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
  resourceType = PATIENT_RESOURCE,
): AuditEventData {
  return {
    ...timeOrderedId(),
    actorId: scope.viewer?.userId ?? null,
    actorRole: scope.viewer?.role ?? null,
    action,
    resourceType,
    patientId: isUuid(patientId) ? patientId : null,
    outcome,
    requestId: scope.requestId,
    operationName: scope.operationName?.slice(0, 200) ?? null,
  };
}

/** Inserts an audit row with `em`: inside a write's transaction, it commits or rolls back with it. */
export async function insertAuditEvent(em: EntityManager, event: AuditEventData): Promise<void> {
  await em.insert(AuditEvent, event);
}

/**
 * The audit rows of one request that belong to no write transaction (reads, searches, denials,
 * failures, audit-log reads): resolvers `record` them, and `flush` writes all of them with ONE
 * multi-row INSERT when the response is ready (auditFlushPlugin), however many resolvers and
 * patients the request touched.
 */
export class AuditCollector {
  #rows: AuditEventData[] = [];

  constructor(private readonly em: EntityManager) {}

  record(...events: AuditEventData[]): void {
    this.#rows.push(...events);
  }

  /** Writes every recorded row in one statement (none when nothing was recorded). */
  async flush(): Promise<void> {
    const rows = this.#rows;
    if (!rows.length) return;
    this.#rows = [];
    // The rows as one JSON parameter: the ORM's multi-row INSERT cost the subgraph about twice
    // the CPU for a page's 20 rows (building and binding 200 values).
    await executeBound(
      this.em,
      `INSERT INTO patients.audit_event (id, at, actor_id, actor_role, action, resource_type, patient_id, outcome, request_id, operation_name)
       SELECT r.id, r.at, r."actorId", r."actorRole", r.action, r."resourceType", r."patientId", r.outcome, r."requestId", r."operationName"
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, at timestamptz, "actorId" uuid, "actorRole" text, action text,
         "resourceType" text, "patientId" uuid, outcome text, "requestId" text, "operationName" text)`,
      [JSON.stringify(rows)],
    );
  }
}

/** The masked answer of a request whose audit rows could not be written. */
const AUDIT_UNAVAILABLE = { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };

/**
 * Flushes each request's AuditCollector before its response leaves. When the rows cannot be
 * written, the response carries no data: nothing is read without being on record.
 */
export function auditFlushPlugin<
  TContext extends { audit: AuditCollector; logger: Logger },
>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          try {
            await contextValue.audit.flush();
          } catch (error) {
            contextValue.logger.error({ err: error }, 'audit write failed; the response is withheld');
            if (response.body.kind === 'single')
              response.body.singleResult = { data: null, errors: [AUDIT_UNAVAILABLE] };
          }
        },
      };
    },
  };
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
  for (const field of ['from', 'to'] as const) {
    const value = filter[field];
    if (value && !isStorableDate(value))
      throw new BadUserInputError(`filter.${field} must be a time of years 1 to 9999`, `filter.${field}`);
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
    // Stryker disable next-line Regex: without its $ the pattern still needs the Z right after three digits of milliseconds, and isUtcTimestamp ends the string at that Z
    if (typeof at === 'string' && /\.\d{3}Z$/.test(at) && isUtcTimestamp(at) && isUuid(id)) return [new Date(at), id];
  } catch {}
  throw new BadUserInputError('after is not a cursor of the audit log', 'after');
}

/**
 * Runs `work`; when it throws, records a FAILED row (written with the request's other rows,
 * outside the failed transaction, so no row claims success) and rethrows.
 */
export async function recordFailure<T>(
  context: { audit: AuditCollector },
  scope: AuditScope,
  action: AuditAction,
  subject: AuditSubject,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    context.audit.record(auditEvent(scope, action, 'FAILED', subject.patientId, subject.resourceType));
    throw error;
  }
}
