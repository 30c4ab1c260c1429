import { ClinicalMatcher, type ClinicalConcept } from '../src/nl-search/clinical-terms.js';
import { placesOf, type Vocabulary } from '../src/nl-search/vocabulary.js';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const of = (kind: ClinicalConcept['kind'], system: string, list: [string, string][]) =>
  list.map(([code, display]) => ({ kind, system, code, display }));

/** The active conditions of the evaluation data (scripts/synthea-fixtures.ts with variety). */
export const FIXTURE_CONDITIONS: [string, string][] = [
  ['44054006', 'Diabetes mellitus type 2 (disorder)'],
  ['59621000', 'Essential hypertension (disorder)'],
  ['15777000', 'Prediabetes (finding)'],
  ['195967001', 'Asthma (disorder)'],
  ['55822004', 'Hyperlipidemia (disorder)'],
  ['49436004', 'Atrial fibrillation (disorder)'],
  ['64859006', 'Osteoporosis (disorder)'],
  ['162864005', 'Body mass index 30+ - obesity (finding)'],
  ['53741008', 'Coronary Heart Disease (disorder)'],
  ['88805009', 'Chronic congestive heart failure (disorder)'],
  ['22298006', 'Myocardial infarction (disorder)'],
  ['230690007', 'Cerebrovascular accident (disorder)'],
  ['431855005', 'Chronic kidney disease stage 1 (disorder)'],
  ['40930008', 'Hypothyroidism (disorder)'],
  ['185086009', 'Chronic obstructive bronchitis (disorder)'],
  ['370143000', 'Major depression disorder (disorder)'],
  ['69896004', 'Rheumatoid arthritis (disorder)'],
  ['239873007', 'Osteoarthritis of knee (disorder)'],
];

/** A vocabulary like the fixtures' (scripts/synthea-fixtures.ts with variety). */
export function testVocabulary(): Vocabulary {
  const concepts = [
    ...of('condition', SNOMED, FIXTURE_CONDITIONS),
    ...of('medication', RXNORM, [
      ['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet'],
      ['314076', 'lisinopril 10 MG Oral Tablet'],
      ['855332', 'Warfarin Sodium 5 MG Oral Tablet'],
      ['312961', 'Simvastatin 20 MG Oral Tablet'],
      ['834061', 'Penicillin V Potassium 250 MG Oral Tablet'],
      ['895994', '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler'],
    ]),
    ...of('allergy', SNOMED, [
      ['91936005', 'Allergy to penicillin (finding)'],
      ['300913006', 'Shellfish allergy (disorder)'],
      ['91934008', 'Allergy to nut (disorder)'],
      ['300916003', 'Latex allergy (disorder)'],
    ]),
  ];
  const places = placesOf([
    { city: 'Springfield', state: 'Massachusetts', postal_code: '01105' },
    { city: 'Springfield', state: 'Illinois', postal_code: '62701' },
    { city: 'New Bedford', state: 'Massachusetts', postal_code: '02740' },
    { city: 'Boston', state: 'Massachusetts', postal_code: '02118' },
    { city: 'Portland', state: 'Oregon', postal_code: '97201' },
  ]);
  return { clinical: new ClinicalMatcher(concepts), places };
}
