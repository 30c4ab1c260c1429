import {
  DateTimeResolver,
  EmailAddressResolver,
  JSONObjectResolver,
  LocalDateResolver,
  PhoneNumberResolver,
} from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers.js';
import { duplicateCandidates, LIKELY_DUPLICATE } from '../patients/duplicates.js';
import { countPatients } from '../patients/list.js';
import { Patient as PatientEntity } from '../entities.js';
import { Mutation } from './Mutation.js';
import { AuditEvent } from './AuditEvent.js';
import * as clinical from './clinical.js';
import { Patient } from './Patient.js';
import { PatientVersion } from './PatientVersion.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  LocalDate: LocalDateResolver,
  EmailAddress: EmailAddressResolver,
  PhoneNumber: PhoneNumberResolver,
  JSONObject: JSONObjectResolver,
  Query,
  Mutation,
  Patient,
  PatientVersion,
  AuditEvent,
  User,
  Condition: clinical.Condition,
  Observation: clinical.Observation,
  ObservationComponent: clinical.ObservationComponent,
  MedicationRequest: clinical.MedicationRequest,
  AllergyIntolerance: clinical.AllergyIntolerance,
  Immunization: clinical.Immunization,
  Procedure: clinical.Procedure,
  Encounter: clinical.Encounter,
  PatientSummary: clinical.PatientSummary,
  // Looked at only when asked for: each created patient is one candidate search.
  ImportResult: {
    possibleDuplicates: async (result, _args, context) => {
      if (!result.createdIds.length) return 0;
      const created = await context.em.find(PatientEntity, { id: { $in: result.createdIds } });
      let likely = 0;
      for (const patient of created) {
        const candidates = await duplicateCandidates(context.em, patient, 1);
        if ((candidates[0]?.score ?? 0) >= LIKELY_DUPLICATE) likely++;
      }
      return likely;
    },
  },
  PatientConnection: {
    // Counted only when asked for: by the page's own statement when the query asked for it (and
    // on a search's first page), else by its own bounded statement; exact for small results, an
    // estimate beyond.
    totalCount: (page, _args, context) =>
      page.matchCount ?? countPatients(context.reads.em, page.filter, page.search, page.manyMatches),
  },
};
