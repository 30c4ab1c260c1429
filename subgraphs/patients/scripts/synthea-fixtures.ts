/**
 * Synthea-shaped test data, since there is no Synthea here: N people, each as Synthea writes them
 * (one transaction Bundle per person, `urn:uuid:` references, conditional references to
 * practitioners and organizations) with a record of encounters, vital signs and labs (hundreds of
 * observations for a long record), conditions, medications, allergies, immunizations and
 * procedures in real code systems (SNOMED CT, LOINC, RxNorm, CVX), and the resource types Synthea
 * writes that HealthSync skips (Claim, ExplanationOfBenefit, DiagnosticReport, Provenance,
 * Organization, Practitioner, Location). The same seed gives the same people.
 *
 * `tsx subgraphs/patients/scripts/synthea-fixtures.ts --count N --out-dir DIR [--csv]` writes one
 * Bundle per person (DIR/fhir/*.json), and with --csv Synthea's CSVs of the same people (DIR/csv/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { base, en, en_US, Faker } from '@faker-js/faker';
import { CliError, isMain, runCli } from './environment.js';
import { SYNTHEA_SYSTEM } from './synthea.js';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const REFERENCE_DATE = new Date('2026-01-01T00:00:00Z');

type Code = readonly [code: string, display: string];

/** Chronic conditions (stay active, get a medication) and acute ones (resolve, sometimes treated). */
const CHRONIC: readonly (readonly [Code, Code | null])[] = [
  [
    ['44054006', 'Diabetes mellitus type 2 (disorder)'],
    ['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet'],
  ],
  [
    ['59621000', 'Essential hypertension (disorder)'],
    ['314076', 'lisinopril 10 MG Oral Tablet'],
  ],
  [['15777000', 'Prediabetes (finding)'], null],
  [
    ['195967001', 'Asthma (disorder)'],
    ['895994', '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler'],
  ],
  [
    ['55822004', 'Hyperlipidemia (disorder)'],
    ['312961', 'Simvastatin 20 MG Oral Tablet'],
  ],
  [
    ['49436004', 'Atrial fibrillation (disorder)'],
    ['855332', 'Warfarin Sodium 5 MG Oral Tablet'],
  ],
  [['64859006', 'Osteoporosis (disorder)'], null],
  [['162864005', 'Body mass index 30+ - obesity (finding)'], null],
];
const ACUTE: readonly (readonly [Code, Code | null])[] = [
  [['444814009', 'Viral sinusitis (disorder)'], null],
  [
    ['195662009', 'Acute viral pharyngitis (disorder)'],
    ['313782', 'Acetaminophen 325 MG Oral Tablet'],
  ],
  [
    ['10509002', 'Acute bronchitis (disorder)'],
    ['308182', 'Amoxicillin 250 MG Oral Capsule'],
  ],
  [
    ['43878008', 'Streptococcal sore throat (disorder)'],
    ['834061', 'Penicillin V Potassium 250 MG Oral Tablet'],
  ],
  [
    ['65363002', 'Otitis media (disorder)'],
    ['308182', 'Amoxicillin 250 MG Oral Capsule'],
  ],
  [
    ['62106007', 'Concussion with no loss of consciousness (disorder)'],
    ['310965', 'Ibuprofen 200 MG Oral Tablet'],
  ],
  [['283371005', 'Laceration of forearm (disorder)'], null],
];
/**
 * With `variety` (the natural-language search evaluation): more of the chronic conditions Synthea
 * writes, among them the kinds of heart disease a clinician asks for by that name.
 */
const MORE_CHRONIC: readonly (readonly [Code, Code | null])[] = [
  [
    ['53741008', 'Coronary Heart Disease (disorder)'],
    ['197361', 'Amlodipine 5 MG Oral Tablet'],
  ],
  [
    ['88805009', 'Chronic congestive heart failure (disorder)'],
    ['200031', 'Carvedilol 6.25 MG Oral Tablet'],
  ],
  [['22298006', 'Myocardial infarction (disorder)'], null],
  [
    ['230690007', 'Cerebrovascular accident (disorder)'],
    ['243670', 'aspirin 81 MG Oral Tablet'],
  ],
  [['431855005', 'Chronic kidney disease stage 1 (disorder)'], null],
  [
    ['40930008', 'Hypothyroidism (disorder)'],
    ['966222', 'Levothyroxine Sodium 0.075 MG Oral Tablet'],
  ],
  [['185086009', 'Chronic obstructive bronchitis (disorder)'], null],
  [['370143000', 'Major depression disorder (disorder)'], null],
  [['69896004', 'Rheumatoid arthritis (disorder)'], null],
  [['239873007', 'Osteoarthritis of knee (disorder)'], null],
];
/** With `variety`: the places people live (city, state, the first digits of its postal codes). */
const PLACES: readonly (readonly [city: string, state: string, zip: string])[] = [
  ['Springfield', 'Massachusetts', '011'],
  ['Boston', 'Massachusetts', '021'],
  ['Worcester', 'Massachusetts', '016'],
  ['New Bedford', 'Massachusetts', '027'],
  ['Springfield', 'Illinois', '627'],
  ['Chicago', 'Illinois', '606'],
  ['Austin', 'Texas', '787'],
  ['Portland', 'Oregon', '972'],
  ['Portland', 'Maine', '041'],
  ['Salem', 'Oregon', '973'],
];
const ALLERGIES: readonly (readonly [Code, string])[] = [
  [['91936005', 'Allergy to penicillin (finding)'], 'medication'],
  [['300913006', 'Shellfish allergy (disorder)'], 'food'],
  [['91934008', 'Allergy to nut (disorder)'], 'food'],
  [['232350006', 'House dust mite allergy (disorder)'], 'environment'],
  [['418689008', 'Allergy to grass pollen (disorder)'], 'environment'],
  [['300916003', 'Latex allergy (disorder)'], 'environment'],
];
const VACCINES: readonly Code[] = [
  ['140', 'Influenza, seasonal, injectable, preservative free'],
  ['208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'],
  ['115', 'Tdap'],
  ['133', 'Pneumococcal conjugate PCV 13'],
  ['121', 'zoster'],
  ['08', 'Hep B, adolescent or pediatric'],
];
const PROCEDURES: readonly Code[] = [
  ['430193006', 'Medication Reconciliation (procedure)'],
  ['710824005', 'Assessment of health and social care needs (procedure)'],
  ['171207006', 'Depression screening (procedure)'],
  ['73761001', 'Colonoscopy (procedure)'],
  ['117015009', 'Throat culture (procedure)'],
];
const ENCOUNTER_TYPES: readonly (readonly [Code, string])[] = [
  [['162673000', 'General examination of patient (procedure)'], 'AMB'],
  [['185349003', 'Encounter for check up (procedure)'], 'AMB'],
  [['185345009', 'Encounter for symptom (procedure)'], 'AMB'],
  [['50849002', 'Emergency room admission (procedure)'], 'EMER'],
];
/** Labs: code, display, unit, typical value and spread. */
const LABS: readonly (readonly [string, string, string, number, number])[] = [
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL', 95, 25],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 5.8, 1.2],
  ['2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL', 190, 30],
  ['2571-8', 'Triglycerides', 'mg/dL', 130, 40],
  ['18262-6', 'Low Density Lipoprotein Cholesterol', 'mg/dL', 110, 25],
  ['2085-9', 'High Density Lipoprotein Cholesterol', 'mg/dL', 55, 12],
  ['38483-4', 'Creatinine', 'mg/dL', 1.0, 0.2],
  ['2947-0', 'Sodium', 'mmol/L', 140, 3],
  ['6298-4', 'Potassium', 'mmol/L', 4.2, 0.4],
];

export interface SyntheaOptions {
  /** Encounters per person: at least, at most (a long record has hundreds of observations). */
  encounters?: readonly [number, number];
  /**
   * People for the natural-language search evaluation: more chronic conditions (MORE_CHRONIC), up
   * to four of them, homes in a few cities of several states (PLACES), and one in ten deceased.
   * Off, the same seed gives the same people as before it existed.
   */
  variety?: boolean;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const instant = (date: Date) => date.toISOString().replace('.000Z', '+00:00');
const concept = (system: string, [code, display]: Code) => ({ coding: [{ system, code, display }], text: display });

/** One person's Bundle (Synthea's shape) and their record as Synthea's CSV rows. */
export interface SyntheaPerson {
  bundle: Record<string, unknown>;
  csv: Record<SyntheaCsvFile, Record<string, string>[]>;
}

export const SYNTHEA_CSV_FILES = [
  'patients',
  'encounters',
  'conditions',
  'observations',
  'medications',
  'allergies',
  'immunizations',
  'procedures',
] as const;
export type SyntheaCsvFile = (typeof SYNTHEA_CSV_FILES)[number];

/** The `count` people of `seed`; person i does not depend on `count`. */
export function* syntheaPeople(seed: number, count: number, options: SyntheaOptions = {}): Generator<SyntheaPerson> {
  const [fewest, most] = options.encounters ?? [8, 30];
  const faker = new Faker({ locale: [en_US, en, base] });
  faker.seed(seed);
  faker.setDefaultRefDate(REFERENCE_DATE);
  const organization = { id: faker.string.uuid(), name: `${faker.location.city()} General Hospital` };
  const practitioner = {
    npi: faker.string.numeric(10),
    name: `Dr. ${faker.person.firstName()} ${faker.person.lastName()}`,
  };
  for (let i = 0; i < count; i++) {
    const entries: Record<string, unknown>[] = [];
    const csv = Object.fromEntries(SYNTHEA_CSV_FILES.map((file) => [file, []])) as unknown as SyntheaPerson['csv'];
    const add = (resource: Record<string, unknown>, ifNoneExist?: string) => {
      const id = (resource.id as string | undefined) ?? faker.string.uuid();
      entries.push({
        fullUrl: `urn:uuid:${id}`,
        resource: { ...resource, id },
        request: { method: 'POST', url: resource.resourceType, ...(ifNoneExist ? { ifNoneExist } : {}) },
      });
      return `urn:uuid:${id}`;
    };
    const sex = faker.helpers.arrayElement(['male', 'female'] as const);
    const given = faker.person.firstName(sex);
    const family = faker.person.lastName();
    const born = faker.date.birthdate({ mode: 'age', min: 1, max: 90 });
    const personId = faker.string.uuid();
    const ssn = `999-${faker.string.numeric(2)}-${faker.string.numeric(4)}`;
    const place = options.variety ? faker.helpers.arrayElement(PLACES) : undefined;
    const address = {
      line: [faker.location.streetAddress()],
      city: place ? place[0] : faker.location.city(),
      state: place ? place[1] : 'Massachusetts',
      postalCode: faker.location.zipCode(place ? `${place[2]}##` : '0####'),
      country: 'US',
    };
    const died =
      options.variety && faker.number.int({ min: 1, max: 10 }) === 1 ? faker.date.recent({ days: 900 }) : undefined;
    const patient = add({
      resourceType: 'Patient',
      id: personId,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
      extension: [
        {
          url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
          valueCode: sex === 'male' ? 'M' : 'F',
        },
      ],
      identifier: [
        { system: SYNTHEA_SYSTEM, value: personId },
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS' }] },
          system: 'http://hl7.org/fhir/sid/us-ssn',
          value: ssn,
        },
      ],
      name: [{ use: 'official', family, given: [given] }],
      telecom: [{ system: 'phone', value: `555-${faker.string.numeric(3)}-${faker.string.numeric(4)}`, use: 'home' }],
      gender: sex,
      birthDate: isoDay(born),
      ...(died ? { deceasedDateTime: instant(died) } : {}),
      address: [address],
    });
    csv.patients.push({
      Id: personId,
      BIRTHDATE: isoDay(born),
      ...(died ? { DEATHDATE: isoDay(died) } : {}),
      SSN: ssn,
      FIRST: given,
      LAST: family,
      GENDER: sex === 'male' ? 'M' : 'F',
      ADDRESS: address.line[0] as string,
      CITY: address.city,
      STATE: address.state,
      ZIP: address.postalCode,
    });
    // What Synthea puts in every person's Bundle and HealthSync does not model.
    add(
      {
        resourceType: 'Organization',
        id: organization.id,
        identifier: [{ system: SYNTHEA_SYSTEM, value: organization.id }],
        name: organization.name,
      },
      `identifier=${SYNTHEA_SYSTEM}|${organization.id}`,
    );
    add(
      {
        resourceType: 'Practitioner',
        identifier: [{ system: NPI, value: practitioner.npi }],
        name: [{ text: practitioner.name }],
      },
      `identifier=${NPI}|${practitioner.npi}`,
    );
    add({ resourceType: 'Location', name: organization.name, status: 'active' });
    const serviceProvider = {
      reference: `Organization?identifier=${SYNTHEA_SYSTEM}|${organization.id}`,
      display: organization.name,
    };
    const performer = { reference: `Practitioner?identifier=${NPI}|${practitioner.npi}`, display: practitioner.name };

    const from = new Date(Math.max(born.getTime(), Date.UTC(2005, 0, 1)));
    const visits = faker.number.int({ min: fewest, max: most });
    const days = faker.helpers
      .multiple(() => faker.date.between({ from, to: REFERENCE_DATE }), { count: visits })
      .sort((a, b) => a.getTime() - b.getTime());
    const chronic = options.variety
      ? faker.helpers.arrayElements([...CHRONIC, ...MORE_CHRONIC], { min: 0, max: 4 })
      : faker.helpers.arrayElements(CHRONIC, { min: 0, max: 3 });
    let height =
      sex === 'male' ? faker.number.float({ min: 165, max: 190 }) : faker.number.float({ min: 152, max: 178 });
    let weight = faker.number.float({ min: 55, max: 110 });
    for (const [v, start] of days.entries()) {
      start.setUTCHours(9 + (v % 8), 0, 0, 0);
      const end = new Date(start.getTime() + 30 * 60_000);
      const [type, klass] =
        v % 5 === 4
          ? faker.helpers.arrayElement(ENCOUNTER_TYPES)
          : (ENCOUNTER_TYPES[1] as (typeof ENCOUNTER_TYPES)[number]);
      const acute = klass !== 'AMB' || type[0] === '185345009' ? faker.helpers.arrayElement(ACUTE) : undefined;
      const encounterId = faker.string.uuid();
      const encounter = add({
        resourceType: 'Encounter',
        id: encounterId,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: klass },
        type: [concept(SNOMED, type)],
        subject: { reference: patient, display: `${given} ${family}` },
        participant: [{ individual: performer }],
        period: { start: instant(start), end: instant(end) },
        ...(acute ? { reasonCode: [concept(SNOMED, acute[0])] } : {}),
        serviceProvider,
      });
      csv.encounters.push({
        Id: encounterId,
        START: instant(start),
        STOP: instant(end),
        PATIENT: personId,
        ENCOUNTERCLASS: klass === 'AMB' ? 'ambulatory' : 'emergency',
        CODE: type[0],
        DESCRIPTION: type[1],
        REASONCODE: acute?.[0][0] ?? '',
        REASONDESCRIPTION: acute?.[0][1] ?? '',
      });
      const at = instant(start);
      const context = { subject: { reference: patient }, encounter: { reference: encounter } };
      const condition = (code: Code, resolved: Date | undefined) => {
        const reference = add({
          resourceType: 'Condition',
          clinicalStatus: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
                code: resolved ? 'resolved' : 'active',
              },
            ],
          },
          verificationStatus: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
          },
          category: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                  code: 'encounter-diagnosis',
                  display: 'Encounter Diagnosis',
                },
              ],
            },
          ],
          code: concept(SNOMED, code),
          ...context,
          onsetDateTime: at,
          ...(resolved ? { abatementDateTime: instant(resolved) } : {}),
          recordedDate: at,
        });
        csv.conditions.push({
          START: isoDay(start),
          STOP: resolved ? isoDay(resolved) : '',
          PATIENT: personId,
          ENCOUNTER: encounterId,
          SYSTEM: SNOMED,
          CODE: code[0],
          DESCRIPTION: code[1],
        });
        return reference;
      };
      const medication = (code: Code, reason: string | undefined, stopped: Date | undefined) => {
        add({
          resourceType: 'MedicationRequest',
          status: stopped ? 'stopped' : 'active',
          intent: 'order',
          medicationCodeableConcept: concept(RXNORM, code),
          ...context,
          authoredOn: at,
          requester: performer,
          ...(reason ? { reasonReference: [{ reference: reason }] } : {}),
          dosageInstruction: [
            {
              sequence: 1,
              timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
              asNeededBoolean: false,
              doseAndRate: [{ doseQuantity: { value: 1 } }],
            },
          ],
        });
        csv.medications.push({
          START: at,
          STOP: stopped ? instant(stopped) : '',
          PATIENT: personId,
          ENCOUNTER: encounterId,
          CODE: code[0],
          DESCRIPTION: code[1],
        });
      };
      if (v === 0) {
        for (const [allergy, category] of faker.helpers.arrayElements(ALLERGIES, { min: 0, max: 2 })) {
          add({
            resourceType: 'AllergyIntolerance',
            clinicalStatus: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
            },
            verificationStatus: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' },
              ],
            },
            type: 'allergy',
            category: [category],
            criticality: faker.helpers.arrayElement(['low', 'high']),
            code: concept(SNOMED, allergy),
            patient: { reference: patient },
            encounter: { reference: encounter },
            recordedDate: at,
          });
          csv.allergies.push({
            START: isoDay(start),
            PATIENT: personId,
            ENCOUNTER: encounterId,
            CODE: allergy[0],
            SYSTEM: 'SNOMED-CT',
            DESCRIPTION: allergy[1],
            TYPE: 'allergy',
            CATEGORY: category,
          });
        }
      }
      const diagnosed = chronic[Math.floor(v / 3)];
      if (v % 3 === 0 && diagnosed) {
        const reason = condition(diagnosed[0], undefined);
        if (diagnosed[1]) medication(diagnosed[1], reason, undefined);
      }
      if (acute) {
        const resolved = new Date(start.getTime() + faker.number.int({ min: 7, max: 30 }) * 86_400_000);
        const reason = condition(acute[0], resolved);
        if (acute[1]) medication(acute[1], reason, resolved);
      }
      // Vital signs at every visit, labs at every third.
      height = Math.min(height + faker.number.float({ min: 0, max: 0.3 }), 200);
      weight = Math.max(40, weight + faker.number.float({ min: -2, max: 2 }));
      const vitals: [string, string, number, string][] = [
        ['8302-2', 'Body Height', height, 'cm'],
        ['29463-7', 'Body Weight', weight, 'kg'],
        ['39156-5', 'Body mass index (BMI) [Ratio]', weight / (height / 100) ** 2, 'kg/m2'],
        ['8867-4', 'Heart rate', faker.number.int({ min: 55, max: 100 }), '/min'],
        ['9279-1', 'Respiratory rate', faker.number.int({ min: 12, max: 20 }), '/min'],
        [
          '72514-3',
          'Pain severity - 0-10 verbal numeric rating [Score] - Reported',
          faker.number.int({ min: 0, max: 4 }),
          '{score}',
        ],
      ];
      const observation = (
        category: string,
        code: string,
        display: string,
        value: Record<string, unknown>,
        unit = '',
        number = '',
      ) => {
        add({
          resourceType: 'Observation',
          status: 'final',
          category: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] },
          ],
          code: { coding: [{ system: LOINC, code, display }], text: display },
          ...context,
          effectiveDateTime: at,
          issued: instant(end),
          ...value,
        });
        csv.observations.push({
          DATE: at,
          PATIENT: personId,
          ENCOUNTER: encounterId,
          CATEGORY: category,
          CODE: code,
          DESCRIPTION: display,
          VALUE: number,
          UNITS: unit,
          TYPE: number === '' ? 'text' : 'numeric',
        });
      };
      const quantity = (value: number, unit: string) => ({
        value: Math.round(value * 10) / 10,
        unit,
        system: UCUM,
        code: unit,
      });
      for (const [code, display, value, unit] of vitals)
        observation(
          'vital-signs',
          code,
          display,
          { valueQuantity: quantity(value, unit) },
          unit,
          String(quantity(value, unit).value),
        );
      const systolic = faker.number.int({ min: 105, max: 150 });
      const diastolic = faker.number.int({ min: 65, max: 95 });
      add({
        resourceType: 'Observation',
        status: 'final',
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
        ],
        code: {
          coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }],
        },
        ...context,
        effectiveDateTime: at,
        component: [
          {
            code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic Blood Pressure' }] },
            valueQuantity: quantity(diastolic, 'mm[Hg]'),
          },
          {
            code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic Blood Pressure' }] },
            valueQuantity: quantity(systolic, 'mm[Hg]'),
          },
        ],
      });
      csv.observations.push({
        DATE: at,
        PATIENT: personId,
        ENCOUNTER: encounterId,
        CATEGORY: 'vital-signs',
        CODE: '8480-6',
        DESCRIPTION: 'Systolic Blood Pressure',
        VALUE: String(systolic),
        UNITS: 'mm[Hg]',
        TYPE: 'numeric',
      });
      csv.observations.push({
        DATE: at,
        PATIENT: personId,
        ENCOUNTER: encounterId,
        CATEGORY: 'vital-signs',
        CODE: '8462-4',
        DESCRIPTION: 'Diastolic Blood Pressure',
        VALUE: String(diastolic),
        UNITS: 'mm[Hg]',
        TYPE: 'numeric',
      });
      const smoking: Code = faker.helpers.arrayElement([
        ['266919005', 'Never smoker'],
        ['8517006', 'Ex-smoker'],
        ['449868002', 'Smokes tobacco daily'],
      ] as const);
      observation(
        'survey',
        '72166-2',
        'Tobacco smoking status',
        { valueCodeableConcept: concept(SNOMED, smoking) },
        '',
        '',
      );
      if (v % 3 === 1) {
        const results = LABS.map(([code, display, unit, mean, spread]) => {
          const value = quantity(mean + faker.number.float({ min: -spread, max: spread }), unit);
          observation('laboratory', code, display, { valueQuantity: value }, unit, String(value.value));
          return { display: code };
        });
        add({
          resourceType: 'DiagnosticReport',
          status: 'final',
          code: { coding: [{ system: LOINC, code: '51990-0', display: 'Basic metabolic panel' }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          effectiveDateTime: at,
          issued: instant(end),
          result: results,
        });
      }
      if (start.getUTCMonth() >= 8 || v === 0) {
        const vaccine = v === 0 ? faker.helpers.arrayElement(VACCINES) : (VACCINES[0] as Code);
        add({
          resourceType: 'Immunization',
          status: 'completed',
          vaccineCode: concept(CVX, vaccine),
          patient: { reference: patient },
          encounter: { reference: encounter },
          occurrenceDateTime: at,
          primarySource: true,
        });
        csv.immunizations.push({
          DATE: at,
          PATIENT: personId,
          ENCOUNTER: encounterId,
          CODE: vaccine[0],
          DESCRIPTION: vaccine[1],
        });
      }
      if (v % 2 === 0) {
        const procedure = faker.helpers.arrayElement(PROCEDURES);
        add({
          resourceType: 'Procedure',
          status: 'completed',
          code: concept(SNOMED, procedure),
          ...context,
          performedPeriod: { start: at, end: instant(end) },
        });
        csv.procedures.push({
          START: at,
          STOP: instant(end),
          PATIENT: personId,
          ENCOUNTER: encounterId,
          SYSTEM: SNOMED,
          CODE: procedure[0],
          DESCRIPTION: procedure[1],
        });
      }
      const claim = add({
        resourceType: 'Claim',
        status: 'active',
        use: 'claim',
        patient: { reference: patient },
        created: at,
        provider: serviceProvider,
        item: [{ sequence: 1, productOrService: concept(SNOMED, type), encounter: [{ reference: encounter }] }],
      });
      add({
        resourceType: 'ExplanationOfBenefit',
        status: 'active',
        use: 'claim',
        patient: { reference: patient },
        created: at,
        claim: { reference: claim },
        outcome: 'complete',
      });
    }
    add({
      resourceType: 'Provenance',
      target: [{ reference: patient }],
      recorded: instant(REFERENCE_DATE),
      agent: [{ who: serviceProvider }],
    });
    yield { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, csv };
  }
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Writes `people` as Synthea's output folder: fhir/<name>.json per person and, with `csv`, csv/*.csv. */
export function writeSyntheaOutput(
  dir: string,
  people: Iterable<SyntheaPerson>,
  withCsv: boolean,
): { people: number; resources: number } {
  mkdirSync(path.join(dir, 'fhir'), { recursive: true });
  const rows = Object.fromEntries(SYNTHEA_CSV_FILES.map((file) => [file, [] as Record<string, string>[]]));
  let count = 0;
  let resources = 0;
  for (const person of people) {
    const entries = person.bundle.entry as { resource: { id: string } }[];
    resources += entries.length;
    writeFileSync(
      path.join(dir, 'fhir', `person-${String(count++).padStart(5, '0')}.json`),
      JSON.stringify(person.bundle),
    );
    for (const file of SYNTHEA_CSV_FILES) rows[file]?.push(...person.csv[file]);
  }
  if (withCsv) {
    mkdirSync(path.join(dir, 'csv'), { recursive: true });
    for (const file of SYNTHEA_CSV_FILES) {
      const list = rows[file] ?? [];
      const header = [...new Set(list.flatMap((row) => Object.keys(row)))];
      const lines = [
        header.join(','),
        ...list.map((row) => header.map((column) => csvCell(row[column] ?? '')).join(',')),
      ];
      writeFileSync(path.join(dir, 'csv', `${file}.csv`), `${lines.join('\n')}\n`);
    }
  }
  return { people: count, resources };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      'out-dir': { type: 'string' },
      csv: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new CliError('--count must be a positive integer');
  if (!values['out-dir']) throw new CliError('usage: synthea-fixtures.ts --count N [--seed S] --out-dir DIR [--csv]');
  const written = writeSyntheaOutput(values['out-dir'], syntheaPeople(Number(values.seed), count), values.csv ?? false);
  console.log(`wrote ${written.people} people (${written.resources} resources) to ${values['out-dir']}`);
  return 0;
}

if (isMain(import.meta.url)) runCli(main);
