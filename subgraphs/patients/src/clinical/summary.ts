/**
 * Reading a patient's clinical record through the API: who may (the patient's own rules: an
 * archived patient's record is hidden with them, except from an ADMIN), the audit row of every
 * resource type disclosed, the summary and the `everything` Bundle.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { CAN_READ_PATIENTS } from '@healthsync/orm/auth';
import { authorize, canSeeArchived } from '../access.js';
import { auditEvent, auditScope } from '../audit.js';
import type { PatientsContext } from '../context.js';
import type { Patient } from '../entities.js';
import { toFhirPatient } from '../fhir/patient-out.js';
import { type ClinicalRow, fhirOf } from './read.js';
import { CLINICAL_TYPES, type ClinicalType } from './types.js';

/** What PatientSummary resolves from: the patient it summarises (nothing when it is hidden). */
export interface SummaryOf {
  patientId: string | null;
}

/** The resource types the summary discloses (each gets its audit row). */
export const SUMMARY_TYPES: ClinicalType[] = [
  'Condition',
  'MedicationRequest',
  'AllergyIntolerance',
  'Observation',
  'Encounter',
];

/**
 * Runs `read` when the caller may see `patient`'s clinical record, with a READ SUCCESS audit row
 * per type in `types` recorded for the request's one audit insert (written before the answer
 * leaves; an audit failure fails the answer). A hidden record gives `hidden` and FAILED rows.
 */
export async function readRecord<T>(
  context: PatientsContext,
  info: GraphQLResolveInfo,
  patient: Patient,
  types: readonly string[],
  read: () => Promise<T>,
  hidden: T,
): Promise<T> {
  const viewer = authorize(context, info, 'READ', CAN_READ_PATIENTS, {
    patientId: patient.id,
    resourceType: types.length === 1 ? types[0] : 'Patient',
  });
  const scope = auditScope(context, info);
  const visible = patient.active || canSeeArchived(viewer);
  context.audit.record(
    ...types.map((type) => auditEvent(scope, 'READ', visible ? 'SUCCESS' : 'FAILED', patient.id, type)),
  );
  return visible ? read() : hidden;
}

/** Patient.everything: the patient and every resource about them (changed after `since`, when given). */
export async function everythingOf(
  context: PatientsContext,
  patient: Patient,
  since: Date | null,
): Promise<Record<string, unknown>> {
  const args = { since: since?.toISOString() ?? null };
  const lists = await Promise.all(
    CLINICAL_TYPES.map(
      (type) => context.loaders.clinical.lists[type].load({ patientId: patient.id, args }) as Promise<ClinicalRow[]>,
    ),
  );
  const includePatient = !since || patient.updatedAt > since;
  const replaces = includePatient ? await context.loaders.replacesByPatientId.load(patient.id) : [];
  const resources = lists.flat() as ClinicalRow[];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: includePatient ? 1 : 0,
    entry: [
      ...(includePatient
        ? [
            {
              resource: toFhirPatient(
                patient,
                replaces.map((source) => source.id),
              ),
              search: { mode: 'match' },
            },
          ]
        : []),
      ...resources.map((row) => ({ resource: fhirOf(row), search: { mode: 'include' } })),
    ],
  };
}
