import { type GraphQLResolveInfo, Kind, type SelectionNode } from 'graphql';
import {
  BadUserInputError,
  CAN_ADMINISTER,
  CAN_READ_PATIENTS,
  ForbiddenError,
  NotFoundError,
  requireUuid,
  type Viewer,
} from '@healthsync/orm';
import { authorize, canSeeArchived } from '../access.js';
import { AUDIT_RESOURCE, type AuditScope, auditEvent, auditScope, listAuditEvents, recordFailure } from '../audit.js';
import type { PatientsContext } from '../context.js';
import { Patient } from '../entities.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import { patientSearch } from '../nl-search/patient-search.js';
import { duplicateCandidates, MAX_CANDIDATES } from '../patients/duplicates.js';
import { listPatients, type PatientListArgs, type PatientPage } from '../patients/list.js';
import { normaliseMrn } from '../patients/validation.js';

/**
 * A READ of one patient, audited. Missing, and archived for a caller who may not see archived
 * records, look the same: null.
 */
export function readPatient(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  viewer: Viewer,
  patient: Patient | null,
  requestedId?: string,
): Patient | null {
  const visible = patient && (patient.active || canSeeArchived(viewer)) ? patient : null;
  const outcome = visible ? 'SUCCESS' : 'FAILED';
  context.audit.record(auditEvent(auditScope(context, info), 'READ', outcome, visible?.id ?? requestedId));
  return visible;
}

/** A patient by id, audited; an id that is not a UUID is BAD_USER_INPUT (and a FAILED row). */
export async function readPatientById(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  viewer: Viewer,
  id: string,
): Promise<Patient | null> {
  requireValidId(context, info, id);
  return readPatient(context, info, viewer, await context.loaders.patientById.load(id), id);
}

function requireValidId(context: PatientsContext, info: GraphQLResolveInfo, id: string): void {
  try {
    requireUuid(id, 'id');
  } catch (error) {
    context.audit.record(auditEvent(auditScope(context, info), 'READ', 'FAILED'));
    throw error;
  }
}

/**
 * A SEARCH (a page of patients), audited: one SUCCESS row per patient on the page (one without a
 * patient when the page is empty), so that paging through every patient is on record; FAILED
 * when it throws.
 */
export function searchPatients(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  args: PatientListArgs,
): Promise<PatientPage> {
  const scope = auditScope(context, info);
  return recordFailure(context, scope, 'SEARCH', {}, async () => {
    const page = await listPatients(context.reads.em, args, {
      dateOrder: context.services.config.SEARCH_DATE_ORDER,
      count: selectsField(info, 'totalCount'),
    });
    recordSearchRows(context, scope, page);
    return page;
  });
}

/** Whether the query asks for `name` among the fields of what this resolver returns (fragments included). */
function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const selects = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return selects(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      return fragment ? selects(fragment.selectionSet.selections) : false;
    });
  return info.fieldNodes.some((node) => node.selectionSet && selects(node.selectionSet.selections));
}

/** One SUCCESS row per patient on the page (one without a patient when it is empty). */
function recordSearchRows(context: PatientsContext, scope: AuditScope, page: PatientPage): void {
  const perPatient = context.services.searchAudit === 'each patient' && page.edges.length;
  const returned = perPatient ? page.edges.map((edge) => edge.node.id) : [null];
  context.audit.record(...returned.map((id) => auditEvent(scope, 'SEARCH', 'SUCCESS', id)));
}

export const Query: QueryResolvers = {
  // Audited as `patients` is: one SEARCH row per patient returned. The query text goes nowhere
  // but the parser: no log line, no audit column, no error message holds it.
  patientSearch: async (_parent, args, context, info) => {
    authorize(context, info, 'SEARCH', CAN_READ_PATIENTS);
    const scope = auditScope(context, info);
    return recordFailure(context, scope, 'SEARCH', {}, async () => {
      const result = await patientSearch(
        context.em,
        { query: args.query, first: args.first ?? 20, after: args.after ?? null },
        {
          dateOrder: context.services.config.SEARCH_DATE_ORDER,
          vocabulary: context.services.searchVocabulary,
          ...(context.services.searchSemantic ? { semantic: context.services.searchSemantic } : {}),
          // The error only: a query's words never reach a log.
          onSemanticError: (error) =>
            context.logger.warn(
              { err: error },
              'the semantic fallback of patientSearch failed; answered on text and synonyms',
            ),
        },
      );
      recordSearchRows(context, scope, result.patients);
      return result;
    });
  },

  patient: async (_parent, { id }, context, info) => {
    const viewer = authorize(context, info, 'READ', CAN_READ_PATIENTS, { patientId: id });
    return readPatientById(context, info, viewer, id);
  },

  patientByMrn: async (_parent, { mrn }, context, info) => {
    const viewer = authorize(context, info, 'READ', CAN_READ_PATIENTS);
    const patient = await recordFailure(context, auditScope(context, info), 'READ', {}, () =>
      context.em.findOne(Patient, { mrn: normaliseMrn(mrn) }),
    );
    return readPatient(context, info, viewer, patient);
  },

  patients: async (_parent, args, context, info) => {
    const viewer = authorize(context, info, 'SEARCH', CAN_READ_PATIENTS);
    const filter = args.filter ?? {};
    if (filter.includeInactive && !canSeeArchived(viewer)) {
      context.audit.record(auditEvent(auditScope(context, info), 'SEARCH', 'DENIED'));
      throw new ForbiddenError('Only an ADMIN may list archived patients');
    }
    return searchPatients(context, info, {
      filter,
      first: args.first ?? 20,
      after: args.after ?? null,
      orderBy: { field: args.orderBy?.field ?? null, direction: args.orderBy?.direction ?? 'ASC' },
    });
  },

  // A search: the record compared is a READ, and each candidate returned a SEARCH row.
  duplicateCandidates: async (_parent, { patientId, first }, context, info) => {
    const viewer = authorize(context, info, 'SEARCH', CAN_READ_PATIENTS, { patientId });
    const limit = first ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CANDIDATES)
      throw new BadUserInputError(`first must be between 1 and ${MAX_CANDIDATES}`, 'first');
    const subject = await readPatientById(context, info, viewer, patientId);
    if (!subject) throw new NotFoundError('Patient');
    const scope = auditScope(context, info);
    return recordFailure(context, scope, 'SEARCH', { patientId }, async () => {
      const candidates = await duplicateCandidates(context.em, subject, limit);
      const returned = candidates.length ? candidates.map((candidate) => candidate.patient.id) : [null];
      context.audit.record(...returned.map((id) => auditEvent(scope, 'SEARCH', 'SUCCESS', id)));
      return candidates;
    });
  },

  // Reading the log is itself on record: one AUDIT_READ row per patient whose events the page
  // showed (one without a patient when it showed none), so a patient's trail says who read it.
  auditEvents: async (_parent, args, context, info) => {
    const subject = { resourceType: AUDIT_RESOURCE };
    authorize(context, info, 'AUDIT_READ', CAN_ADMINISTER, subject);
    const scope = auditScope(context, info);
    return recordFailure(context, scope, 'AUDIT_READ', subject, async () => {
      const page = await listAuditEvents(context.reads.em, {
        filter: args.filter ?? {},
        first: args.first ?? 20,
        after: args.after ?? null,
      });
      const patients = [...new Set(page.edges.map((edge) => edge.node.patientId ?? null))].filter(Boolean);
      const shown = patients.length ? patients : [null];
      context.audit.record(...shown.map((id) => auditEvent(scope, 'AUDIT_READ', 'SUCCESS', id, AUDIT_RESOURCE)));
      return page;
    });
  },
};
