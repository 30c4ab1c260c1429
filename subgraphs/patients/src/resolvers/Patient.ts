import { CAN_READ_PATIENTS } from '@healthsync/orm';
import { authorize } from '../access.js';
import type { PatientResolvers } from '../generated/resolvers.js';
import { toFhirPatient } from '../patients/fhir.js';
import { patientClinicalFields } from './clinical.js';
import { readPatientById } from './Query.js';
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
  fhir: (patient) => toFhirPatient(patient),
  ...patientClinicalFields,
};
