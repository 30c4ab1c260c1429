/**
 * Synthea's `patients.csv` (one row per person) as FHIR R4 Patient resources. Synthea's own FHIR
 * export gives each Patient an identifier in its namespace with the same `Id`: a person imported
 * from the CSV and from a Bundle is the same record, and re-imports are idempotent.
 */

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
