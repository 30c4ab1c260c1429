/** The FHIR resource types of the clinical record, and their tables (in the order an import writes them). */
export const CLINICAL_TYPES = [
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'AllergyIntolerance',
  'Immunization',
  'Procedure',
] as const;
export type ClinicalType = (typeof CLINICAL_TYPES)[number];

export const TABLE_OF: Record<ClinicalType, string> = {
  Encounter: 'encounter',
  Condition: 'condition',
  Observation: 'observation',
  MedicationRequest: 'medication_request',
  AllergyIntolerance: 'allergy_intolerance',
  Immunization: 'immunization',
  Procedure: 'procedure',
};
