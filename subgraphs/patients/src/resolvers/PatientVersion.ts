import type { PatientVersionResolvers } from '../generated/resolvers.js';
import { userReference } from './User.js';

export const PatientVersion: PatientVersionResolvers = {
  changedBy: (version) => userReference(version.changedById),
};
