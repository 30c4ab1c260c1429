/** FHIR R4 out: a patient record as a FHIR Patient resource (patient-in.ts reads one in). */
import type { Patient } from '../entities.js';

/** FHIR `Identifier.system` of our medical record numbers. */
export const MRN_SYSTEM = 'urn:healthsync:mrn';
const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/**
 * The record as a FHIR R4 Patient resource. FHIR forbids empty arrays and empty strings, so
 * absent data is left out rather than sent empty.
 */
export function toFhirPatient(patient: Patient, replaces: readonly string[] = []): Record<string, unknown> {
  const telecom = [
    ...(patient.email ? [{ system: 'email', value: patient.email }] : []),
    ...(patient.phone ? [{ system: 'phone', value: patient.phone }] : []),
  ];
  // Merges (FHIR R4 Patient.link): the source names its target, the target each of its sources.
  const link = [
    ...(patient.replacedById ? [{ other: { reference: `Patient/${patient.replacedById}` }, type: 'replaced-by' }] : []),
    ...replaces.map((id) => ({ other: { reference: `Patient/${id}` }, type: 'replaces' })),
  ];
  const address = patient.address;
  const fhirAddress = address
    ? Object.fromEntries(
        Object.entries({
          line: address.line.length ? address.line : undefined,
          city: address.city,
          state: address.state,
          postalCode: address.postalCode,
          country: address.country,
        }).filter(([, value]) => value !== undefined && value !== null),
      )
    : undefined;
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: { versionId: String(patient.version), lastUpdated: patient.updatedAt.toISOString() },
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MR', display: 'Medical record number' }] },
        system: MRN_SYSTEM,
        value: patient.mrn,
      },
      ...patient.identifiers.map(({ system, value, use }) => ({ ...(use ? { use } : {}), system, value })),
    ],
    active: patient.active,
    name: [
      {
        use: 'official',
        text: `${patient.givenName} ${patient.familyName}`,
        family: patient.familyName,
        given: [patient.givenName],
      },
    ],
    ...(telecom.length ? { telecom } : {}),
    gender: patient.gender.toLowerCase(),
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    ...(patient.deceasedAt ? { deceasedDateTime: patient.deceasedAt.toISOString() } : {}),
    ...(fhirAddress && Object.keys(fhirAddress).length ? { address: [fhirAddress] } : {}),
    ...(link.length ? { link } : {}),
  };
}
