import type { GraphQLResolveInfo } from 'graphql';
import { requireRole, type Role, type Viewer } from '@healthsync/orm/auth';
import { type AuditSubject, auditEvent, auditScope } from './audit.js';
import type { PatientsContext } from './context.js';
import type { AuditAction } from './entities.js';

/**
 * The caller when their role is one of `roles`. A refusal (anonymous or wrong role) is recorded in
 * the audit log as DENIED before the error reaches the client.
 */
export function authorize(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  action: AuditAction,
  roles: Role[],
  subject: AuditSubject = {},
): Viewer {
  try {
    return requireRole(context, ...roles);
  } catch (error) {
    context.audit.record(
      auditEvent(auditScope(context, info), action, 'DENIED', subject.patientId, subject.resourceType),
    );
    throw error;
  }
}

/** Archived records exist, for these callers, only as history: they look like missing ones. */
export function canSeeArchived(viewer: Viewer): boolean {
  return viewer.role === 'ADMIN';
}
