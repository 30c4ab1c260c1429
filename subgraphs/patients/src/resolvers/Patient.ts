import { CAN_READ_PATIENTS, requireRole } from '@healthsync/orm/auth';
import { authorize, canSeeArchived } from '../access.js';
import type { PatientResolvers } from '../generated/resolvers.js';
import { duplicateCandidates, LIKELY_DUPLICATE, MAX_CANDIDATES } from '../patients/duplicates.js';
import { toFhirPatient } from '../fhir/patient-out.js';
import { patientClinicalFields } from './clinical.js';
import { readPatient, readPatientById } from '../patients/read.js';
import { userReference } from './User.js';

export const Patient: PatientResolvers = {
  // References from other subgraphs get the same checks (and audit) as Query.patient; the loader
  // fetches a whole page of references with one query.
  __resolveReference: async (reference, context, info) => {
    const viewer = authorize(context, info, 'READ', CAN_READ_PATIENTS, { patientId: reference.id });
    return readPatientById(context, info, viewer, reference.id);
  },
  fullName: (patient) => `${patient.givenName} ${patient.familyName}`,
  birthDate: (patient) => patient.birthDate ?? null,
  address: (patient) => patient.address ?? null,
  createdBy: (patient) => userReference(patient.createdById),
  updatedBy: (patient) => userReference(patient.updatedById),
  history: (patient, _args, context) => context.loaders.historyByPatientId.load(patient.id),
  fhir: async (patient, _args, context) => {
    const replaces = await context.loaders.replacesByPatientId.load(patient.id);
    return toFhirPatient(
      patient,
      replaces.map((source) => source.id),
    );
  },
  // A merged record is seen by an ADMIN only (it is inactive), so only an ADMIN gets this far.
  replacedBy: async (patient, _args, context, info) =>
    patient.replacedById
      ? readPatientById(context, info, requireRole(context, ...CAN_READ_PATIENTS), patient.replacedById)
      : null,
  // Each record listed is a READ; other roles see none of them, as they see no archived record.
  replaces: async (patient, _args, context, info) => {
    const viewer = requireRole(context, ...CAN_READ_PATIENTS);
    if (!canSeeArchived(viewer)) return [];
    const sources = await context.loaders.replacesByPatientId.load(patient.id);
    return sources.flatMap((source) => readPatient(context, info, viewer, source) ?? []);
  },
  // A count only (no other record is shown): what tells createPatient's caller about a likely duplicate.
  possibleDuplicates: async (patient, _args, context) => {
    if (!patient.active) return 0;
    const candidates = await duplicateCandidates(context.em, patient, MAX_CANDIDATES);
    return candidates.filter((candidate) => candidate.score >= LIKELY_DUPLICATE).length;
  },
  ...patientClinicalFields,
};
