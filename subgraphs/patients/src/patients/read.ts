/**
 * The patients domain's reads as resolvers make them: each read and search authorised by the
 * caller (resolvers/) and audited here, a row per patient returned.
 */
import type { Viewer } from '@healthsync/orm/auth';
import { requireUuid } from '@healthsync/orm';
import { type GraphQLResolveInfo, Kind, type SelectionNode } from 'graphql';
import { canSeeArchived } from '../access.js';
import { type AuditScope, auditEvent, auditScope, recordFailure } from '../audit.js';
import type { PatientsContext } from '../context.js';
import type { Patient } from '../entities.js';
import { listPatients, type PatientListArgs, type PatientPage } from './list.js';

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
export function recordSearchRows(context: PatientsContext, scope: AuditScope, page: PatientPage): void {
  const perPatient = context.services.searchAudit === 'each patient' && page.edges.length;
  const returned = perPatient ? page.edges.map((edge) => edge.node.id) : [null];
  context.audit.record(...returned.map((id) => auditEvent(scope, 'SEARCH', 'SUCCESS', id)));
}
