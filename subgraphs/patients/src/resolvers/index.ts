import {
  DateTimeResolver,
  EmailAddressResolver,
  JSONObjectResolver,
  LocalDateResolver,
  PhoneNumberResolver,
} from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers.js';
import { countPatients } from '../patients/list.js';
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
  // Counted only when asked for, by its own bounded statement (exact for small results, an estimate
  // beyond), unless the page query already counted the matches of a search.
  PatientConnection: {
    totalCount: (page, _args, context) => page.matchCount ?? countPatients(context.reads.em, page.filter, page.search),
  },
};
