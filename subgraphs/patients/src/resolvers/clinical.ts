/**
 * The clinical record's GraphQL types (one small resolver map each, together here: they differ
 * only in which coded column is which) and the Patient fields that read it.
 */
import { codingOf, fhirOf, pageOf, validatePageArgs } from '../clinical/read.js';
import { everythingOf, readRecord, SUMMARY_TYPES, type SummaryOf } from '../clinical/summary.js';
import { CLINICAL_TYPES } from '../clinical/types.js';
import type { PatientsContext } from '../context.js';
import type {
  AllergyIntoleranceResolvers,
  ConditionResolvers,
  EncounterResolvers,
  ImmunizationResolvers,
  MedicationRequestResolvers,
  ObservationComponentResolvers,
  ObservationResolvers,
  PatientResolvers,
  PatientSummaryResolvers,
  ProcedureResolvers,
} from '../generated/resolvers.js';

const common = { fhir: fhirOf };

export const Condition: ConditionResolvers = { ...common, code: codingOf };

export const Observation: ObservationResolvers = {
  ...common,
  code: codingOf,
  value: (row) =>
    row.value == null && row.valueUnit == null
      ? null
      : {
          // A double arrives as a number or, from some drivers, a string.
          value: row.value == null ? null : Number(row.value),
          unit: row.valueUnit ?? null,
          system: row.valueSystem ?? null,
          code: row.valueCode ?? null,
        },
};

export const ObservationComponent: ObservationComponentResolvers = {
  value: (component) => component.value ?? null,
  valueText: (component) => component.valueText ?? null,
};

export const MedicationRequest: MedicationRequestResolvers = { ...common, medication: codingOf };
export const AllergyIntolerance: AllergyIntoleranceResolvers = { ...common, code: codingOf };
export const Immunization: ImmunizationResolvers = { ...common, vaccine: codingOf };
export const Procedure: ProcedureResolvers = { ...common, code: codingOf };

export const Encounter: EncounterResolvers = {
  ...common,
  class: (row) => row.classCode ?? null,
  type: (row) =>
    row.typeCode ? { system: row.typeSystem ?? null, code: row.typeCode, display: row.typeDisplay ?? null } : null,
  reason: (row) =>
    row.reasonCode
      ? { system: row.reasonSystem ?? null, code: row.reasonCode, display: row.reasonDisplay ?? null }
      : null,
  period: (row) => ({ start: row.periodStart, end: row.periodEnd ?? null }),
};

/** Every part of a summary comes from the one statement of its patient (and of the others asked with it). */
const summaryOf = (patientId: string | null, context: PatientsContext) =>
  patientId ? context.loaders.clinical.summaries.load(patientId) : null;

export const PatientSummary: PatientSummaryResolvers = {
  activeConditions: async ({ patientId }, _args, context) =>
    (await summaryOf(patientId, context))?.activeConditions ?? [],
  activeMedications: async ({ patientId }, _args, context) =>
    (await summaryOf(patientId, context))?.activeMedications ?? [],
  allergies: async ({ patientId }, _args, context) => (await summaryOf(patientId, context))?.allergies ?? [],
  latestVitals: async ({ patientId }, _args, context) => (await summaryOf(patientId, context))?.latestVitals ?? [],
  lastEncounter: async ({ patientId }, _args, context) => (await summaryOf(patientId, context))?.lastEncounter ?? null,
};

const EMPTY_PAGE = { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };

/** Patient's fields of the clinical record: each audited with the resource type it discloses. */
export const patientClinicalFields: PatientResolvers = {
  conditions: (patient, { activeOnly }, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['Condition'],
      () =>
        context.loaders.clinical.lists.Condition.load({
          patientId: patient.id,
          args: { activeOnly: activeOnly ?? false },
        }),
      [],
    ),

  medications: (patient, { activeOnly }, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['MedicationRequest'],
      () =>
        context.loaders.clinical.lists.MedicationRequest.load({
          patientId: patient.id,
          args: { activeOnly: activeOnly ?? false },
        }),
      [],
    ),

  allergies: (patient, _args, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['AllergyIntolerance'],
      () => context.loaders.clinical.lists.AllergyIntolerance.load({ patientId: patient.id, args: {} }),
      [],
    ),

  immunizations: (patient, _args, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['Immunization'],
      () => context.loaders.clinical.lists.Immunization.load({ patientId: patient.id, args: {} }),
      [],
    ),

  procedures: (patient, _args, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['Procedure'],
      () => context.loaders.clinical.lists.Procedure.load({ patientId: patient.id, args: {} }),
      [],
    ),

  observations: (patient, args, context, info) => {
    const pageArgs = {
      first: args.first ?? 20,
      after: args.after ?? null,
      code: args.code ?? null,
      category: args.category ?? null,
      from: args.from?.toISOString() ?? null,
      to: args.to?.toISOString() ?? null,
    };
    validatePageArgs(pageArgs);
    return readRecord(
      context,
      info,
      patient,
      ['Observation'],
      async () =>
        pageOf(
          await context.loaders.clinical.observations.load({ patientId: patient.id, args: pageArgs }),
          pageArgs.first,
          (row) => row.effectiveAt,
        ),
      EMPTY_PAGE,
    );
  },

  encounters: (patient, args, context, info) => {
    const pageArgs = { first: args.first ?? 20, after: args.after ?? null };
    validatePageArgs(pageArgs);
    return readRecord(
      context,
      info,
      patient,
      ['Encounter'],
      async () =>
        pageOf(
          await context.loaders.clinical.encounters.load({ patientId: patient.id, args: pageArgs }),
          pageArgs.first,
          (row) => row.periodStart,
        ),
      EMPTY_PAGE,
    );
  },

  summary: (patient, _args, context, info) =>
    readRecord<SummaryOf>(context, info, patient, SUMMARY_TYPES, async () => ({ patientId: patient.id }), {
      patientId: null,
    }),

  everything: (patient, { since }, context, info) =>
    readRecord(
      context,
      info,
      patient,
      ['Patient', ...CLINICAL_TYPES],
      () => everythingOf(context, patient, since ?? null),
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 0,
      },
    ),
};
