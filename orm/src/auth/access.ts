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

/** The verified caller when their role is one of `roles`; FORBIDDEN otherwise. */
export function requireRole(context: HasViewer, ...roles: Role[]): Viewer {
  const viewer = requireViewer(context);
  if (!roles.includes(viewer.role)) throw new ForbiddenError();
  return viewer;
}

/** Which roles may do what (DESIGN.md §4). */
export const CAN_READ_PATIENTS: Role[] = ['VIEWER', 'CLINICIAN', 'ADMIN'];
export const CAN_WRITE_PATIENTS: Role[] = ['CLINICIAN', 'ADMIN'];
export const CAN_ADMINISTER: Role[] = ['ADMIN'];
