import type { GraphQLResolveInfo } from 'graphql';
import { CAN_ADMINISTER, CAN_READ_PATIENTS, ForbiddenError, requireRole, type Viewer } from '@healthsync/orm';
import { authorize, canSeeArchived } from '../access.js';
import { auditEvent, auditScope, listAuditEvents, recordFailure } from '../audit.js';
import type { PatientsContext } from '../context.js';
import { Patient } from '../entities.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import { listPatients, type PatientListArgs, type PatientPage } from '../patients/list.js';
import { normaliseMrn } from '../patients/validation.js';

/**
 * A READ of one patient, audited. Missing, and archived for a caller who may not see archived
 * records, look the same: null.
 */
export async function readPatient(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  viewer: Viewer,
  patient: Patient | null,
  requestedId?: string,
): Promise<Patient | null> {
  const visible = patient && (patient.active || canSeeArchived(viewer)) ? patient : null;
  const outcome = visible ? 'SUCCESS' : 'FAILED';
  await context.audit.load(auditEvent(auditScope(context, info), 'READ', outcome, visible?.id ?? requestedId));
  return visible;
}

/** A SEARCH (a page of patients), audited: SUCCESS with the page, FAILED when it throws. */
export function searchPatients(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  args: PatientListArgs,
): Promise<PatientPage> {
  const scope = auditScope(context, info);
  return recordFailure(context, scope, 'SEARCH', null, async () => {
    const page = await listPatients(context.em, args);
    await context.audit.load(auditEvent(scope, 'SEARCH', 'SUCCESS'));
    return page;
  });
}

export const Query: QueryResolvers = {
  patient: async (_parent, { id }, context, info) => {
    const viewer = await authorize(context, info, 'READ', CAN_READ_PATIENTS, id);
    return readPatient(context, info, viewer, await context.loaders.patientById.load(id), id);
  },

  patientByMrn: async (_parent, { mrn }, context, info) => {
    const viewer = await authorize(context, info, 'READ', CAN_READ_PATIENTS);
    const patient = await recordFailure(context, auditScope(context, info), 'READ', null, () =>
      context.em.findOne(Patient, { mrn: normaliseMrn(mrn) }),
    );
    return readPatient(context, info, viewer, patient);
  },

  patients: async (_parent, args, context, info) => {
    const viewer = await authorize(context, info, 'SEARCH', CAN_READ_PATIENTS);
    const filter = args.filter ?? {};
    if (filter.includeInactive && !canSeeArchived(viewer)) {
      await context.audit.load(auditEvent(auditScope(context, info), 'SEARCH', 'DENIED'));
      throw new ForbiddenError('Only an ADMIN may list archived patients');
    }
    return searchPatients(context, info, {
      filter,
      first: args.first ?? 20,
      after: args.after ?? null,
      orderBy: { field: args.orderBy?.field ?? 'CREATED_AT', direction: args.orderBy?.direction ?? 'ASC' },
    });
  },

  auditEvents: async (_parent, args, context) => {
    requireRole(context, ...CAN_ADMINISTER);
    return listAuditEvents(context.em, {
      filter: args.filter ?? {},
      first: args.first ?? 20,
      after: args.after ?? null,
    });
  },
};
