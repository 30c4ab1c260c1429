/**
 * Synthea's `patients.csv` (one row per person) as FHIR R4 Patient resources. Synthea's own FHIR
 * export gives each Patient an identifier in its namespace with the same `Id`: a person imported
 * from the CSV and from a Bundle is the same record, and re-imports are idempotent. The other CSVs
 * (encounters.csv, conditions.csv…) become the clinical resources of those people.
 */
import { createHash } from 'node:crypto';

/** The namespace of Synthea's person ids, as its FHIR exporter writes it. */
export const SYNTHEA_SYSTEM = 'https://github.com/synthetichealth/synthea';
const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
const DRIVERS_SYSTEM = 'urn:oid:2.16.840.1.113883.4.3.25';
const PASSPORT_SYSTEM = 'http://standardhealthrecord.org/fhir/StructureDefinition/passport';

/** Without these a row says nothing we can store; every other column may be missing. */
const REQUIRED_COLUMNS = ['Id', 'FIRST', 'LAST'] as const;
const GENDERS: Record<string, string> = { M: 'male', F: 'female' };

/** A CSV cell that Synthea left empty (it writes "false" for some absent documents). */
const present = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '' && value.trim().toLowerCase() !== 'false';

/** Header problems that make the whole file unreadable as a Synthea patients.csv, or undefined. */
export function headerProblem(columns: string[]): string | undefined {
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  return missing.length
    ? `not a Synthea patients.csv: no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} in the header`
    : undefined;
}

/**
 * The Patient resource of one row. Only what the CSV cannot say in FHIR terms is refused here (a
 * GENDER other than M or F); dates, names and lengths are checked by the API, like any import.
 */
export function patientFromSyntheaRow(row: Record<string, string | undefined>): Record<string, unknown> {
  const identifier = [
    { system: SYNTHEA_SYSTEM, value: row.Id?.trim() },
    ...(present(row.SSN) ? [{ system: SSN_SYSTEM, value: row.SSN.trim() }] : []),
    ...(present(row.DRIVERS) ? [{ system: DRIVERS_SYSTEM, value: row.DRIVERS.trim() }] : []),
    ...(present(row.PASSPORT) ? [{ system: PASSPORT_SYSTEM, value: row.PASSPORT.trim() }] : []),
  ];
  if (!present(row.Id)) throw new Error('Id is empty');
  let gender: string | undefined;
  if (present(row.GENDER)) {
    gender = GENDERS[row.GENDER.trim().toUpperCase()];
    if (!gender) throw new Error(`GENDER must be M or F, not ${JSON.stringify(row.GENDER.slice(0, 20))}`);
  }
  const name = [
    {
      use: 'official',
      family: row.LAST ?? '',
      given: present(row.FIRST) ? [row.FIRST] : [],
      ...(present(row.PREFIX) ? { prefix: [row.PREFIX] } : {}),
      ...(present(row.SUFFIX) ? { suffix: [row.SUFFIX] } : {}),
    },
    ...(present(row.MAIDEN)
      ? [{ use: 'maiden', family: row.MAIDEN, given: present(row.FIRST) ? [row.FIRST] : [] }]
      : []),
  ];
  const address = Object.fromEntries(
    Object.entries({
      line: present(row.ADDRESS) ? [row.ADDRESS] : undefined,
      city: row.CITY,
      state: row.STATE,
      postalCode: row.ZIP,
    }).filter(([, value]) => value !== undefined && value !== ''),
  );
  return {
    resourceType: 'Patient',
    identifier,
    name,
    ...(gender ? { gender } : {}),
    ...(present(row.BIRTHDATE) ? { birthDate: row.BIRTHDATE.trim() } : {}),
    ...(present(row.DEATHDATE) ? { deceasedDateTime: row.DEATHDATE.trim() } : {}),
    ...(Object.keys(address).length ? { address: [address] } : {}),
  };
}

/** Synthea's other CSVs (beside patients.csv), by file name, and the FHIR type each row becomes. */
export const SYNTHEA_CLINICAL_CSVS = {
  encounters: 'Encounter',
  conditions: 'Condition',
  observations: 'Observation',
  medications: 'MedicationRequest',
  allergies: 'AllergyIntolerance',
  immunizations: 'Immunization',
  procedures: 'Procedure',
} as const;
export type SyntheaClinicalCsv = keyof typeof SYNTHEA_CLINICAL_CSVS;

const SNOMED = 'http://snomed.info/sct';
const CODE_SYSTEMS: Record<SyntheaClinicalCsv, string> = {
  encounters: SNOMED,
  conditions: SNOMED,
  observations: 'http://loinc.org',
  medications: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  allergies: SNOMED,
  immunizations: 'http://hl7.org/fhir/sid/cvx',
  procedures: SNOMED,
};
const ENCOUNTER_CLASSES: Record<string, string> = {
  ambulatory: 'AMB',
  wellness: 'AMB',
  outpatient: 'AMB',
  urgentcare: 'AMB',
  emergency: 'EMER',
  inpatient: 'IMP',
  home: 'HH',
  virtual: 'VR',
};

/** How a clinical row names its patient: the Synthea identifier the patients.csv row gave them. */
export function syntheaPatientReference(personId: string): string {
  return `Patient?identifier=${encodeURIComponent(SYNTHEA_SYSTEM)}|${encodeURIComponent(personId)}`;
}

/** Header problems of a Synthea clinical CSV, or undefined. */
export function clinicalHeaderProblem(kind: SyntheaClinicalCsv, columns: string[]): string | undefined {
  const required = ['PATIENT', 'CODE', ...(kind === 'encounters' ? ['Id'] : [])];
  const missing = required.filter((column) => !columns.includes(column));
  return missing.length
    ? `not a Synthea ${kind}.csv: no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} in the header`
    : undefined;
}

/**
 * A stable id for a row that has none (every clinical CSV but encounters.csv): the same row
 * imported again is the same resource, so re-imports change nothing.
 */
function rowId(kind: string, row: Record<string, string | undefined>): string {
  const key = [kind, row.PATIENT, row.ENCOUNTER, row.CATEGORY, row.CODE, row.START ?? row.DATE].join('\u0000');
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 17), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A code system as a URI: Synthea writes "SNOMED-CT", "RxNorm"… in some files. */
function systemOf(kind: SyntheaClinicalCsv, system: string | undefined): string {
  if (system && /^(https?|urn):/.test(system)) return system;
  if (system && /snomed/i.test(system)) return SNOMED;
  if (system && /rxnorm/i.test(system)) return 'http://www.nlm.nih.gov/research/umls/rxnorm';
  if (system && /loinc/i.test(system)) return 'http://loinc.org';
  return CODE_SYSTEMS[kind];
}

/**
 * The FHIR resource of one row of a Synthea clinical CSV, naming its patient by Synthea id (see
 * syntheaPatientReference) and its encounter as `Encounter/<ENCOUNTER>` (encounters.csv's `Id`).
 */
export function clinicalFromSyntheaRow(
  kind: SyntheaClinicalCsv,
  row: Record<string, string | undefined>,
): Record<string, unknown> {
  if (!present(row.PATIENT)) throw new Error('PATIENT is empty');
  if (!present(row.CODE)) throw new Error('CODE is empty');
  const coding = {
    coding: [
      {
        system: systemOf(kind, row.SYSTEM),
        code: row.CODE.trim(),
        ...(present(row.DESCRIPTION) ? { display: row.DESCRIPTION } : {}),
      },
    ],
    ...(present(row.DESCRIPTION) ? { text: row.DESCRIPTION } : {}),
  };
  const subject = { reference: syntheaPatientReference(row.PATIENT.trim()) };
  const encounter = present(row.ENCOUNTER) ? { encounter: { reference: `Encounter/${row.ENCOUNTER.trim()}` } } : {};
  const start = present(row.START) ? row.START.trim() : undefined;
  const stop = present(row.STOP) ? row.STOP.trim() : undefined;
  const date = present(row.DATE) ? row.DATE.trim() : start;
  const resourceType = SYNTHEA_CLINICAL_CSVS[kind];
  const id = kind === 'encounters' && present(row.Id) ? row.Id.trim() : rowId(kind, row);
  const base = { resourceType, id };
  switch (kind) {
    case 'encounters':
      return {
        ...base,
        status: 'finished',
        class: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: ENCOUNTER_CLASSES[row.ENCOUNTERCLASS?.trim().toLowerCase() ?? ''] ?? 'AMB',
        },
        type: [coding],
        subject,
        period: { ...(start ? { start } : {}), ...(stop ? { end: stop } : {}) },
        ...(present(row.REASONCODE)
          ? {
              reasonCode: [
                {
                  coding: [
                    {
                      system: SNOMED,
                      code: row.REASONCODE.trim(),
                      ...(present(row.REASONDESCRIPTION) ? { display: row.REASONDESCRIPTION } : {}),
                    },
                  ],
                },
              ],
            }
          : {}),
      };
    case 'conditions':
      return {
        ...base,
        clinicalStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: stop ? 'resolved' : 'active' },
          ],
        },
        code: coding,
        subject,
        ...encounter,
        ...(start ? { onsetDateTime: start } : {}),
        ...(stop ? { abatementDateTime: stop } : {}),
      };
    case 'observations': {
      const value = row.VALUE?.trim() ?? '';
      const numeric = row.TYPE?.trim() === 'numeric' && value !== '' && Number.isFinite(Number(value));
      return {
        ...base,
        status: 'final',
        ...(present(row.CATEGORY)
          ? {
              category: [
                {
                  coding: [
                    { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: row.CATEGORY.trim() },
                  ],
                },
              ],
            }
          : {}),
        code: coding,
        subject,
        ...encounter,
        ...(date ? { effectiveDateTime: date } : {}),
        ...(numeric
          ? {
              valueQuantity: {
                value: Number(value),
                ...(present(row.UNITS)
                  ? { unit: row.UNITS, system: 'http://unitsofmeasure.org', code: row.UNITS }
                  : {}),
              },
            }
          : value
            ? { valueString: value }
            : {}),
      };
    }
    case 'medications':
      return {
        ...base,
        status: stop ? 'stopped' : 'active',
        intent: 'order',
        medicationCodeableConcept: coding,
        subject,
        ...encounter,
        ...(start ? { authoredOn: start } : {}),
      };
    case 'allergies': {
      const category = row.CATEGORY?.trim().toLowerCase();
      return {
        ...base,
        clinicalStatus: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
              code: stop ? 'inactive' : 'active',
            },
          ],
        },
        ...(row.TYPE?.trim() === 'allergy' || row.TYPE?.trim() === 'intolerance' ? { type: row.TYPE.trim() } : {}),
        ...(category && ['food', 'medication', 'environment', 'biologic'].includes(category)
          ? { category: [category] }
          : {}),
        code: coding,
        patient: subject,
        ...encounter,
        ...(start ? { recordedDate: start } : {}),
      };
    }
    case 'immunizations':
      return {
        ...base,
        status: 'completed',
        vaccineCode: coding,
        patient: subject,
        ...encounter,
        ...(date ? { occurrenceDateTime: date } : {}),
      };
    case 'procedures':
      return {
        ...base,
        status: 'completed',
        code: coding,
        subject,
        ...encounter,
        ...(start
          ? { performedPeriod: { start, ...(stop ? { end: stop } : {}) } }
          : date
            ? { performedDateTime: date }
            : {}),
      };
  }
}
