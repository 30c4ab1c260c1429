import { BadUserInputError, ForbiddenError, NotFoundError } from '@healthsync/orm';
import { CAN_ADMINISTER, CAN_READ_PATIENTS } from '@healthsync/orm/auth';
import { authorize, canSeeArchived } from '../access.js';
import { AUDIT_RESOURCE, auditEvent, auditScope, listAuditEvents, recordFailure } from '../audit.js';
import { Patient } from '../entities.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import { patientSearch } from '../nl-search/patient-search.js';
import { duplicateCandidates, MAX_CANDIDATES } from '../patients/duplicates.js';
import { readPatient, readPatientById, recordSearchRows, searchPatients } from '../patients/read.js';
import { normaliseMrn } from '../patients/validation.js';

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
