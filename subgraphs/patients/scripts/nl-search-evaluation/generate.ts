/**
 * The labelled natural-language search evaluation set (`evaluation-set.json` beside this file),
 * which `npm run bench:nl -- --generate` writes: Synthea-shaped people (scripts/synthea-fixtures.ts
 * with `variety`: several cities and states, heart disease of several kinds, some deceased) as the
 * columns search reads, and clinician-style queries, each labelled with the set of patients it
 * means. The labels come from a predicate written by hand for each query over the people's own
 * records (their FHIR resources read as the import reads them), never from the search itself.
 */
import { readClinicalResource } from '../../src/clinical/fhir-in.js';
import { syntheaPeople } from '../synthea-fixtures.js';

export const SET_FILE = new URL('./evaluation-set.json', import.meta.url);

/** A coded record of a person, with the columns search reads. */
export interface EvaluationCoded {
  id: string;
  system: string | null;
  code: string;
  display: string | null;
  /** Condition and MedicationRequest: `active`; AllergyIntolerance: its clinical status. */
  active: boolean;
  clinicalStatus: string | null;
}

export interface EvaluationPerson {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  gender: 'MALE' | 'FEMALE';
  birthDate: string;
  deceasedAt: string | null;
  address: { line: string[]; city: string; state: string; postalCode: string; country: string };
  conditions: EvaluationCoded[];
  medications: EvaluationCoded[];
  allergies: EvaluationCoded[];
}

export interface EvaluationQuery {
  query: string;
  kind: string;
  /** Ids of the patients the query means. */
  expected: string[];
}

export interface EvaluationSet {
  description: string;
  /** The day the ages of the labels are counted on (patientSearch is run with it). */
  today: string;
  people: EvaluationPerson[];
  queries: EvaluationQuery[];
}

const SEED = 16;
const PEOPLE = 500;
export const TODAY = '2026-01-01';

export function personOf(bundle: Record<string, unknown>, index: number): EvaluationPerson {
  const resources = (bundle.entry as { fullUrl: string; resource: Record<string, unknown> }[]).map((entry) => ({
    fullUrl: entry.fullUrl,
    resource: entry.resource,
  }));
  const patient = resources.find((entry) => entry.resource.resourceType === 'Patient')!.resource as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: the generator's own Patient resource
    any
  >;
  const coded = (type: string): EvaluationCoded[] =>
    resources
      .filter((entry) => entry.resource.resourceType === type)
      .map((entry) => {
        const draft = readClinicalResource(entry.resource, entry.fullUrl);
        const columns = draft.columns as Record<string, unknown>;
        return {
          id: draft.id,
          system: (columns.code_system as string | null) ?? null,
          code: columns.code as string,
          display: (columns.display as string | null) ?? null,
          active: Boolean(columns.active ?? true),
          clinicalStatus: (columns.clinical_status as string | null) ?? null,
        };
      });
  return {
    id: patient.id,
    mrn: `NL-${String(index + 1).padStart(5, '0')}`,
    givenName: patient.name[0].given[0],
    familyName: patient.name[0].family,
    gender: patient.gender === 'male' ? 'MALE' : 'FEMALE',
    birthDate: patient.birthDate,
    deceasedAt: patient.deceasedDateTime ?? null,
    address: patient.address[0],
    conditions: coded('Condition'),
    medications: coded('MedicationRequest'),
    allergies: coded('AllergyIntolerance'),
  };
}

/** Age in whole years on `today`. */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

type Predicate = (p: EvaluationPerson) => boolean;

const C = {
  diabetes: '44054006',
  hypertension: '59621000',
  prediabetes: '15777000',
  asthma: '195967001',
  hyperlipidemia: '55822004',
  atrialFibrillation: '49436004',
  osteoporosis: '64859006',
  obesity: '162864005',
  coronary: '53741008',
  heartFailure: '88805009',
  infarction: '22298006',
  stroke: '230690007',
  kidney: '431855005',
  hypothyroidism: '40930008',
  copd: '185086009',
  depression: '370143000',
  rheumatoid: '69896004',
  osteoarthritis: '239873007',
};
const M = {
  metformin: '860975',
  lisinopril: '314076',
  fluticasone: '895994',
  simvastatin: '312961',
  warfarin: '855332',
  aspirin: '243670',
  levothyroxine: '966222',
  carvedilol: '200031',
};
const A = {
  penicillin: '91936005',
  shellfish: '300913006',
  nut: '91934008',
  dust: '232350006',
  pollen: '418689008',
  latex: '300916003',
};

const has =
  (...codes: string[]): Predicate =>
  (p) =>
    p.conditions.some((c) => c.active && codes.includes(c.code));
const takes =
  (...codes: string[]): Predicate =>
  (p) =>
    p.medications.some((m) => m.active && codes.includes(m.code));
const allergic =
  (...codes: string[]): Predicate =>
  (p) =>
    p.allergies.some((a) => (a.clinicalStatus === null || a.clinicalStatus === 'active') && codes.includes(a.code));
const age =
  (from: number, to: number): Predicate =>
  (p) => {
    const years = ageOn(p.birthDate, TODAY);
    return years >= from && years <= to;
  };
const born =
  (from: string, to: string): Predicate =>
  (p) =>
    p.birthDate >= from && p.birthDate <= to;
const female: Predicate = (p) => p.gender === 'FEMALE';
const male: Predicate = (p) => p.gender === 'MALE';
const dead: Predicate = (p) => p.deceasedAt !== null;
const alive: Predicate = (p) => p.deceasedAt === null;
const city =
  (name: string, state?: string): Predicate =>
  (p) =>
    p.address.city === name && (!state || p.address.state === state);
const state =
  (name: string): Predicate =>
  (p) =>
    p.address.state === name;
const all =
  (...predicates: Predicate[]): Predicate =>
  (p) =>
    predicates.every((predicate) => predicate(p));
const not =
  (predicate: Predicate): Predicate =>
  (p) =>
    !predicate(p);
const ANY = 200;
const heart = has(C.coronary, C.heartFailure, C.infarction, C.atrialFibrillation);

/** The queries, by kind, each with what it means. */
const QUERIES: [kind: string, query: string, meaning: Predicate][] = [
  ['gender', 'women', female],
  ['gender', 'male patients', male],
  ['age', 'patients over 60', age(61, ANY)],
  ['age', 'older than 75', age(76, ANY)],
  ['age', 'under 18', age(0, 17)],
  ['age', 'children', age(0, 17)],
  ['age', 'elderly patients', age(65, ANY)],
  ['age', 'patients in their 40s', age(40, 49)],
  ['age', 'men in their thirties', all(male, age(30, 39))],
  ['age', 'adults under 30', age(18, 29)],
  ['age', 'aged 50 to 60', age(50, 60)],
  ['age', 'girls under 10', all(female, age(0, 9))],
  ['age', '65 and over', age(65, ANY)],
  ['birth date', 'born before 1960', born('0001-01-01', '1959-12-31')],
  ['birth date', 'born after 2010', born('2011-01-01', '9999-12-31')],
  ['birth date', 'born in 1985', born('1985-01-01', '1985-12-31')],
  ['birth date', 'born between 1950 and 1955', born('1950-01-01', '1955-12-31')],
  ['birth date', 'patients from the 1970s', born('1970-01-01', '1979-12-31')],
  ['place', 'in Springfield', city('Springfield')],
  ['place', 'patients in Boston', city('Boston')],
  ['place', 'living in New Bedford', city('New Bedford')],
  ['place', 'in Portland, OR', city('Portland', 'Oregon')],
  ['place', 'in Portland, Maine', city('Portland', 'Maine')],
  ['place', 'in Illinois', state('Illinois')],
  ['place', 'patients in TX', state('Texas')],
  ['place', 'in Massachusetts', state('Massachusetts')],
  ['vital status', 'deceased patients', dead],
  ['vital status', 'living patients in Chicago', all(alive, city('Chicago'))],
  ['vital status', 'patients who died', dead],
  ['condition', 'with diabetes', has(C.diabetes)],
  ['condition', 'prediabetes', has(C.prediabetes)],
  ['condition', 'high blood pressure', has(C.hypertension)],
  ['condition', 'hypertension', has(C.hypertension)],
  ['condition', 'asthma', has(C.asthma)],
  ['condition', 'heart disease', heart],
  ['condition', 'heart failure', has(C.heartFailure)],
  ['condition', 'coronary disease', has(C.coronary)],
  ['condition', 'ischemic heart disease', has(C.coronary, C.infarction)],
  ['condition', 'high cholesterol', has(C.hyperlipidemia)],
  ['condition', 'obese patients', has(C.obesity)],
  ['condition', 'stroke', has(C.stroke)],
  ['condition', 'kidney disease', has(C.kidney)],
  ['condition', 'underactive thyroid', has(C.hypothyroidism)],
  ['condition', 'copd', has(C.copd)],
  ['condition', 'depression', has(C.depression)],
  ['condition', 'arthritis', has(C.rheumatoid, C.osteoarthritis)],
  ['condition', 'osteoporosis', has(C.osteoporosis)],
  ['condition', 'afib', has(C.atrialFibrillation)],
  ['medication', 'on metformin', takes(M.metformin)],
  ['medication', 'taking lisinopril', takes(M.lisinopril)],
  ['medication', 'on blood thinners', takes(M.warfarin)],
  ['medication', 'on statins', takes(M.simvastatin)],
  ['medication', 'patients using an inhaler', takes(M.fluticasone)],
  ['medication', 'on aspirin', takes(M.aspirin)],
  ['medication', 'prescribed levothyroxine', takes(M.levothyroxine)],
  ['allergy', 'allergic to penicillin', allergic(A.penicillin)],
  ['allergy', 'shellfish allergy', allergic(A.shellfish)],
  ['allergy', 'allergic to nuts', allergic(A.nut)],
  ['allergy', 'latex allergy', allergic(A.latex)],
  ['allergy', 'allergic to dust', allergic(A.dust)],
  ['allergy', 'hay fever', allergic(A.pollen)],
  [
    'combined',
    'women over 60 in Springfield with high blood pressure',
    all(female, age(61, ANY), city('Springfield'), has(C.hypertension)),
  ],
  ['combined', 'men with diabetes and high blood pressure', all(male, has(C.diabetes), has(C.hypertension))],
  ['combined', 'children with asthma', all(age(0, 17), has(C.asthma))],
  ['combined', 'elderly women with osteoporosis', all(female, age(65, ANY), has(C.osteoporosis))],
  ['combined', 'diabetics on metformin', all(has(C.diabetes), takes(M.metformin))],
  ['combined', 'patients with heart disease in Texas', all(heart, state('Texas'))],
  ['combined', 'deceased patients with heart failure', all(dead, has(C.heartFailure))],
  ['combined', 'women in their 50s with high cholesterol', all(female, age(50, 59), has(C.hyperlipidemia))],
  ['combined', 'boys allergic to peanuts', all(male, age(0, 17), allergic(A.nut))],
  ['combined', 'asthma or copd', (p) => has(C.asthma)(p) || has(C.copd)(p)],
  ['combined', 'men over 65 on blood thinners', all(male, age(66, ANY), takes(M.warfarin))],
  ['combined', 'women with diabetes in Illinois', all(female, has(C.diabetes), state('Illinois'))],
  ['combined', 'hypertension patients born before 1950', all(has(C.hypertension), born('0001-01-01', '1949-12-31'))],
  ['combined', 'living men in Austin with coronary heart disease', all(alive, male, city('Austin'), has(C.coronary))],
  // Other ways of saying it.
  ['phrasing', 'ladies over seventy', all(female, age(71, ANY))],
  ['phrasing', 'pts with htn', has(C.hypertension)],
  ['phrasing', 'type 2 diabetics in Chicago', all(has(C.diabetes), city('Chicago'))],
  ['phrasing', 'patients aged 80 or older', age(80, ANY)],
  ['phrasing', 'teenagers with asthma', all(age(13, 19), has(C.asthma))],
  ['phrasing', 'who had a heart attack', has(C.infarction)],
  ['phrasing', 'men from Salem', all(male, city('Salem'))],
  ['phrasing', 'female patients with chf', all(female, has(C.heartFailure))],
  ['phrasing', 'seniors on warfarin', all(age(65, ANY), takes(M.warfarin))],
  ['phrasing', 'kids allergic to shellfish', all(age(0, 17), allergic(A.shellfish))],
  ['phrasing', 'dead men', all(dead, male)],
  ['phrasing', 'alive women in Oregon', all(alive, female, state('Oregon'))],
  ['phrasing', 'patients with coronary artery disease', has(C.coronary)],
  ['phrasing', 'depressed women under 40', all(female, age(0, 39), has(C.depression))],
  ['phrasing', 'people with high blood pressure and high cholesterol', all(has(C.hypertension), has(C.hyperlipidemia))],
  ['phrasing', 'men older than 50 with a stroke', all(male, age(51, ANY), has(C.stroke))],
  ['phrasing', 'patients on simvastatin in Massachusetts', all(takes(M.simvastatin), state('Massachusetts'))],
  ['phrasing', 'diagnosed with rheumatoid arthritis', has(C.rheumatoid)],
  [
    'phrasing',
    'patients with a latex allergy born after 2000',
    all(allergic(A.latex), born('2001-01-01', '9999-12-31')),
  ],
  ['phrasing', 'obese men in their sixties', all(male, age(60, 69), has(C.obesity))],
  ['phrasing', 'women 65+ with osteoporosis', all(female, age(65, ANY), has(C.osteoporosis))],
  ['phrasing', 'chronic kidney disease', has(C.kidney)],
  ['phrasing', 'patients with hypothyroidism on levothyroxine', all(has(C.hypothyroidism), takes(M.levothyroxine))],
  ['phrasing', 'boys under 12 in Springfield, IL', all(male, age(0, 11), city('Springfield', 'Illinois'))],
  // Lay words that neither the synonym table nor a display holds: the semantic fallback's (with
  // it off they are `unparsed`). "lung disease" means asthma or COPD, and the fallback's guard
  // refuses its nearest neighbour (heart disease): it costs recall either way.
  ['lay words', 'women with sugar problems', all(female, has(C.diabetes))],
  ['lay words', 'patients with thyroid problems', has(C.hypothyroidism)],
  ['lay words', 'elderly patients with fragile bones', all(age(65, ANY), has(C.osteoporosis))],
  ['lay words', 'men with weak bones', all(male, has(C.osteoporosis))],
  ['lay words', 'on cholesterol pills', takes(M.simvastatin)],
  ['lay words', 'taking thyroid pills', takes(M.levothyroxine)],
  ['lay words', 'thyroid condition in Oregon', all(has(C.hypothyroidism), state('Oregon'))],
  ['lay words', 'patients with lung disease', has(C.asthma, C.copd)],
  // What the parser does not understand: shown in `unparsed`, so these cost precision.
  ['not understood', 'women without diabetes', all(female, not(has(C.diabetes)))],
  ['not understood', 'elderly patients who smoke', (p) => age(65, ANY)(p) && false],
];

/** Name queries: people picked by position, written as a clinician would. */
function nameQueries(people: EvaluationPerson[]): [string, string, Predicate][] {
  const picks = [7, 42, 99, 150, 222, 301, 377, 460].map((i) => people[i]!);
  const sameName = (given: string | null, family: string) => (p: EvaluationPerson) =>
    p.familyName === family && (given === null || p.givenName === given);
  return [
    ...picks
      .slice(0, 4)
      .map((p): [string, string, Predicate] => [
        'name',
        `${p.givenName} ${p.familyName}`,
        sameName(p.givenName, p.familyName),
      ]),
    ...picks
      .slice(4, 6)
      .map((p): [string, string, Predicate] => [
        'name',
        `${p.familyName} in ${p.address.city}`,
        all(sameName(null, p.familyName), city(p.address.city)),
      ]),
    ...picks
      .slice(6)
      .map((p): [string, string, Predicate] => [
        'name',
        `${p.givenName.toLowerCase()} ${p.familyName.toLowerCase()} born ${p.birthDate.slice(0, 4)}`,
        all(
          sameName(p.givenName, p.familyName),
          born(`${p.birthDate.slice(0, 4)}-01-01`, `${p.birthDate.slice(0, 4)}-12-31`),
        ),
      ]),
  ];
}

/**
 * The set: PEOPLE people (the committed file), or `count` for a scale run (`bench:nl -- --people
 * 10000`: the same first people, labels computed for all of them, nothing written).
 */
export function generateEvaluationSet(count = PEOPLE): EvaluationSet {
  const people: EvaluationPerson[] = [];
  for (const person of syntheaPeople(SEED, count, { encounters: [10, 13], variety: true }))
    people.push(personOf(person.bundle, people.length));
  const postal = people[11]!.address.postalCode;
  const month = people[33]!.birthDate.slice(0, 7);
  const monthName = new Date(`${month}-01T00:00:00Z`).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
  const monthEnd = `${month}-${new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)).getUTCDate()}`;
  const queries = [
    ...QUERIES,
    ...nameQueries(people),
    ['place', `zip ${postal}`, (p: EvaluationPerson) => p.address.postalCode === postal] as [string, string, Predicate],
    ['birth date', `born in ${monthName} ${month.slice(0, 4)}`, born(`${month}-01`, monthEnd)] as [
      string,
      string,
      Predicate,
    ],
  ].map(([kind, query, meaning]) => ({ query, kind, expected: people.filter(meaning).map((p) => p.id) }));
  return {
    description:
      'HealthSync natural-language search evaluation set: Synthea-shaped people and clinician queries, each labelled with the patients it means (scripts/nl-search-evaluation/generate.ts).',
    today: TODAY,
    people,
    queries,
  };
}
