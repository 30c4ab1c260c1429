import { ForbiddenError, SignInRequiredError } from '../errors.js';
import type { Role, Viewer } from './tokens.js';

/** What every request context carries about its caller. */
export interface HasViewer {
  viewer: Viewer | null;
}

/** The verified caller, or UNAUTHENTICATED (a field error: the request itself was fine). */
export function requireViewer(context: HasViewer): Viewer {
  if (!context.viewer) throw new SignInRequiredError();
  return context.viewer;
}

/** A caller whose token grants a role (not an account waiting for approval). */
export type AuthorizedViewer = Viewer & { role: Role };

/**
 * The verified caller when their role is one of `roles`; FORBIDDEN otherwise, and always for an
 * account waiting for approval (no role).
 */
export function requireRole(context: HasViewer, ...roles: Role[]): AuthorizedViewer {
  const viewer = requireViewer(context);
  if (viewer.role === null || !roles.includes(viewer.role)) throw new ForbiddenError();
  return viewer as AuthorizedViewer;
}

/** Which roles may do what (DESIGN.md §4). */
export const CAN_READ_PATIENTS: Role[] = ['VIEWER', 'CLINICIAN', 'ADMIN'];
export const CAN_WRITE_PATIENTS: Role[] = ['CLINICIAN', 'ADMIN'];
export const CAN_ADMINISTER: Role[] = ['ADMIN'];
/** Any role at all: every signed-in account except one waiting for approval. */
export const HAS_A_ROLE: Role[] = ['VIEWER', 'CLINICIAN', 'ADMIN'];
