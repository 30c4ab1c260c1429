import type { GraphQLResolveInfo } from 'graphql';
import { requireRole, type Role, type Viewer } from '@healthsync/orm';
import { auditEvent, auditScope } from './audit.js';
import type { PatientsContext } from './context.js';
import type { AuditAction } from './entities.js';

/**
 * The caller when their role is one of `roles`. A refusal (anonymous or wrong role) is written to
 * the audit log as DENIED before the error reaches the client.
 */
export async function authorize(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  action: AuditAction,
  roles: Role[],
  patientId?: string,
): Promise<Viewer> {
  try {
    return requireRole(context, ...roles);
  } catch (error) {
    await context.audit.load(auditEvent(auditScope(context, info), action, 'DENIED', patientId));
    throw error;
  }
}

/** Archived records exist, for these callers, only as history: they look like missing ones. */
export function canSeeArchived(viewer: Viewer): boolean {
  return viewer.role === 'ADMIN';
}
