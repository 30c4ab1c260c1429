import type { AuditEventResolvers } from '../generated/resolvers.js';
import { userReference } from './User.js';

export const AuditEvent: AuditEventResolvers = {
  actor: (event) => userReference(event.actorId),
};
