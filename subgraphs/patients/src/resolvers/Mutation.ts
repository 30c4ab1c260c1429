import type { GraphQLResolveInfo } from 'graphql';
import { CAN_ADMINISTER, CAN_WRITE_PATIENTS, type Role } from '@healthsync/orm/auth';
import { authorize } from '../access.js';
import { auditEvent, auditScope, recordFailure } from '../audit.js';
import type { PatientsContext } from '../context.js';
import type { AuditAction, Patient } from '../entities.js';
import { importPatients } from '../fhir/import.js';
import type { MutationResolvers } from '../generated/resolvers.js';
import { mergePatients, unmergePatients } from '../patients/merge.js';
import * as patients from '../patients/service.js';
import type { WriteScope } from '../patients/service.js';

/** An audited write: DENIED when the role may not, FAILED when it throws, SUCCESS inside its transaction. */
async function write(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  action: AuditAction,
  roles: Role[],
  patientId: string | null,
  work: (scope: WriteScope) => Promise<Patient>,
): Promise<Patient> {
  const viewer = authorize(context, info, action, roles, { patientId });
  const scope = { ...auditScope(context, info), viewer };
  return recordFailure(context, scope, action, { patientId }, () => work(scope));
}

/**
 * A write about two records (a merge): a refusal or a failure is on record for each of them, as
 * its success is (inside its transaction).
 */
async function writeBoth(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  action: AuditAction,
  roles: Role[],
  patientIds: (string | null)[],
  work: (scope: WriteScope) => Promise<Patient>,
): Promise<Patient> {
  const [first, ...others] = patientIds;
  const also = (outcome: 'DENIED' | 'FAILED') =>
    context.audit.record(...others.map((id) => auditEvent(auditScope(context, info), action, outcome, id)));
  let viewer: WriteScope['viewer'];
  try {
    viewer = authorize(context, info, action, roles, { patientId: first });
  } catch (error) {
    also('DENIED');
    throw error;
  }
  const scope = { ...auditScope(context, info), viewer };
  return recordFailure(context, scope, action, { patientId: first }, async () => {
    try {
      return await work(scope);
    } catch (error) {
      also('FAILED');
      throw error;
    }
  });
}

export const Mutation: MutationResolvers = {
  createPatient: (_parent, { input }, context, info) =>
    write(context, info, 'CREATE', CAN_WRITE_PATIENTS, null, (scope) =>
      patients.createPatient(context.em, scope, input),
    ),

  updatePatient: (_parent, { id, expectedVersion, input }, context, info) =>
    write(context, info, 'UPDATE', CAN_WRITE_PATIENTS, id, (scope) =>
      patients.updatePatient(context.em, scope, id, expectedVersion, input),
    ),

  archivePatient: (_parent, { id }, context, info) =>
    write(context, info, 'ARCHIVE', CAN_WRITE_PATIENTS, id, (scope) => patients.archivePatient(context.em, scope, id)),

  restorePatient: (_parent, { id }, context, info) =>
    write(context, info, 'RESTORE', CAN_ADMINISTER, id, (scope) => patients.restorePatient(context.em, scope, id)),

  mergePatients: (_parent, { sourceId, targetId, expectedSourceVersion, expectedTargetVersion }, context, info) =>
    writeBoth(context, info, 'MERGE', CAN_WRITE_PATIENTS, [sourceId, targetId], (scope) =>
      mergePatients(context.em, scope, sourceId, targetId, { expectedSourceVersion, expectedTargetVersion }),
    ),

  // A refusal names the source (the request named no other); a success writes a row for both.
  unmergePatients: (_parent, { sourceId }, context, info) =>
    write(context, info, 'UNMERGE', CAN_ADMINISTER, sourceId, (scope) => unmergePatients(context.em, scope, sourceId)),

  // Each record is written (and audited) on its own; a call refused as a whole is one FAILED row.
  importPatients: async (_parent, { resources }, context, info) => {
    const viewer = authorize(context, info, 'IMPORT', CAN_WRITE_PATIENTS);
    const scope = { ...auditScope(context, info), viewer };
    const result = await recordFailure(context, scope, 'IMPORT', {}, () =>
      importPatients({ em: context.em, scope, audit: context.audit, logger: context.logger }, resources),
    );
    // New codes and places are what patientSearch reads queries against.
    context.services.searchVocabulary.invalidate();
    return result;
  },
};
