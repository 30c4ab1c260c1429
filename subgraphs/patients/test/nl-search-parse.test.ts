/**
 * The natural-language query parser (src/nl-search/parse.ts) piece by piece, on a vocabulary like
 * the fixtures' (test/nl-vocabulary.ts): no database.
 */
import { ClinicalMatcher } from '../src/nl-search/clinical-terms.js';
import { type Interpretation, interpret } from '../src/nl-search/parse.js';
import { birthDateRange, filterOf } from '../src/nl-search/patient-search.js';
import { testVocabulary } from './nl-vocabulary.js';

const vocabulary = testVocabulary();
const nameTerms = new Set(['smith', 'john', 'maria', 'garcia', 'portland']);
const TODAY = '2026-06-01';
const read = (query: string) => interpret(query, { vocabulary, nameTerms, today: TODAY });
/** The interpretation without its empty parts, clinical groups as kind: codes. */
function summary(query: string) {
  const { clinical, ...rest } = read(query);
  const kept = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== null && !(Array.isArray(value) && !value.length)),
  );
  return {
    ...kept,
    ...(clinical.length
      ? { clinical: clinical.map((g) => `${g.kind}: ${g.concepts.map((c) => c.code).join(',')}`) }
      : {}),
  };
}

describe('ages', () => {
  test.each([
    ['over 60', { ageFrom: 61 }],
    ['older than 65', { ageFrom: 66 }],
    ['65 and over', { ageFrom: 65 }],
    ['65+', { ageFrom: 65 }],
    ['at least 18', { ageFrom: 18 }],
    ['under 18', { ageTo: 17 }],
    ['younger than 5 years', { ageTo: 4 }],
    ['aged 30 to 40', { ageFrom: 30, ageTo: 40 }],
    ['between 30 and 40 years old', { ageFrom: 30, ageTo: 40 }],
    ['aged 45', { ageFrom: 45, ageTo: 45 }],
    ['in their 40s', { ageFrom: 40, ageTo: 49 }],
    ['in their forties', { ageFrom: 40, ageTo: 49 }],
    ['over sixty five', { ageFrom: 66 }],
    ['children', { ageTo: 17 }],
    ['elderly', { ageFrom: 65 }],
    ['adults under 30', { ageFrom: 18, ageTo: 29 }],
  ])('%s', (query, expected) => expect(summary(query)).toEqual(expected));

  test('an age is counted on the day of the query: 60 today means born on or before this day 60 years ago', () => {
    const over = read('60 and over');
    expect(birthDateRange(over, TODAY)).toEqual({ from: null, to: '1966-06-01' });
    const under = read('under 18');
    expect(birthDateRange(under, TODAY)).toEqual({ from: '2008-06-02', to: null });
    expect(birthDateRange(read('aged 30'), '2024-02-29')).toEqual({ from: '1993-03-01', to: '1994-02-28' });
  });

  test('an age no one can have matches no one (no filter that would list everyone)', () => {
    expect(filterOf(read('under 0'), TODAY, null)).toBeNull();
    expect(filterOf(read('children over 60'), TODAY, null)).toBeNull();
  });
});

describe('birth dates', () => {
  test.each([
    ['born before 1960', { bornTo: '1959-12-31' }],
    ['born after 1980', { bornFrom: '1981-01-01' }],
    ['born since 2000', { bornFrom: '2000-01-01' }],
    ['born in 1971', { bornFrom: '1971-01-01', bornTo: '1971-12-31' }],
    ['born in March 1971', { bornFrom: '1971-03-01', bornTo: '1971-03-31' }],
    ['born in February 2024', { bornFrom: '2024-02-01', bornTo: '2024-02-29' }],
    ['born on 5 March 1971', { bornFrom: '1971-03-05', bornTo: '1971-03-05' }],
    ['born 1971-03-05', { bornFrom: '1971-03-05', bornTo: '1971-03-05' }],
    ['born between 1950 and 1960', { bornFrom: '1950-01-01', bornTo: '1960-12-31' }],
    ['patients from the 1950s', { bornFrom: '1950-01-01', bornTo: '1959-12-31' }],
  ])('%s', (query, expected) => expect(summary(query)).toEqual(expected));

  test('a month without a year is not guessed: it is unparsed', () => {
    expect(summary('born in March')).toEqual({ unparsed: ['born', 'March'] });
  });
});

describe('gender and vital status', () => {
  test.each([
    ['women', { gender: 'FEMALE' }],
    ['male patients', { gender: 'MALE' }],
    ['boys', { gender: 'MALE', ageTo: 17 }],
    ['deceased', { deceased: true }],
    ['patients who passed away', { deceased: true }],
    ['living women', { gender: 'FEMALE', deceased: false }],
    ['not deceased', { deceased: false }],
  ])('%s', (query, expected) => expect(summary(query)).toEqual(expected));

  test('"living in" is a place, not "alive"', () => {
    expect(summary('living in Boston')).toEqual({ city: 'Boston' });
  });

  test('a second, different gender is not silently dropped', () => {
    expect(summary('women and men')).toEqual({ gender: 'FEMALE', unparsed: ['men'] });
  });
});

describe('places', () => {
  test.each([
    ['in Springfield', { city: 'Springfield' }],
    ['in New Bedford, MA', { city: 'New Bedford', state: 'MA' }],
    ['in Massachusetts', { state: 'Massachusetts' }],
    ['in IL', { state: 'IL' }],
    ['zip 01105', { postalCode: '01105' }],
    ['in 02118', { postalCode: '02118' }],
  ])('%s', (query, expected) => expect(summary(query)).toEqual(expected));

  test('a state code in lower case is a word ("in", "or", "me"), not Indiana or Oregon', () => {
    expect(summary('women in or near Boston')).toEqual({ gender: 'FEMALE', city: 'Boston' });
  });

  test('a city no patient lives in is not a place; a number that is no postal code of the data is unparsed', () => {
    expect(summary('in Gotham')).toEqual({ unparsed: ['Gotham'] });
    expect(summary('in 99999')).toEqual({ unparsed: ['99999'] });
  });

  test("a word that is someone's name is a name unless it is written as a place", () => {
    expect(summary('Portland')).toEqual({ name: 'Portland' });
    expect(summary('in Portland')).toEqual({ city: 'Portland' });
  });
});

describe('conditions, medications, allergies', () => {
  const codes = (query: string, kind: string) =>
    read(query)
      .clinical.filter((group) => group.kind === kind)
      .flatMap((group) => group.concepts.map((concept) => concept.code))
      .sort();

  test('display words, stemmed: "diabetes" is type 2 diabetes and never prediabetes', () => {
    expect(codes('with diabetes', 'condition')).toEqual(['44054006']);
    expect(codes('diabetic patients', 'condition')).toEqual(['44054006']);
    expect(codes('prediabetes', 'condition')).toEqual(['15777000']);
    expect(codes('asthmatics with asthma', 'condition')).toEqual(['195967001']);
  });

  test('lay words from the synonym table, only for codes in the data', () => {
    expect(codes('high blood pressure', 'condition')).toEqual(['59621000']);
    expect(codes('high cholesterol', 'condition')).toEqual(['55822004']);
    expect(codes('obese', 'condition')).toEqual(['162864005']);
  });

  test('a parent concept finds its children and not unrelated cardiovascular findings', () => {
    const heart = codes('heart disease', 'condition');
    expect(heart).toEqual(['22298006', '49436004', '53741008', '88805009']);
    expect(heart).not.toContain('59621000'); // hypertension
    expect(heart).not.toContain('230690007'); // stroke
  });

  test('the cue tells a medication from an allergy', () => {
    expect(codes('on penicillin', 'medication')).toEqual(['834061']);
    expect(codes('allergic to penicillin', 'allergy')).toEqual(['91936005']);
    expect(codes('penicillin allergy', 'allergy')).toEqual(['91936005']);
    expect(codes('on metformin', 'medication')).toEqual(['860975']);
    expect(codes('on blood thinners', 'medication')).toEqual(['855332']);
    expect(codes('allergic to nuts', 'allergy')).toEqual(['91934008']);
  });

  test('terms are all required; "or" joins two of a kind', () => {
    expect(read('diabetes and asthma').clinical).toHaveLength(2);
    expect(read('diabetes or asthma').clinical).toHaveLength(1);
  });

  test('a negated term is not a filter (it would mean the opposite): unparsed', () => {
    expect(summary('patients without diabetes')).toEqual({ unparsed: ['without diabetes'] });
    expect(summary('not on warfarin')).toEqual({ unparsed: ['not on warfarin'] });
  });

  test('generic words alone are no condition', () => {
    expect(summary('chronic disease')).toEqual({ unparsed: ['chronic disease'] });
    expect(new ClinicalMatcher([]).match('diabetes')).toEqual([]);
  });
});

describe('names and the rest', () => {
  test('name parts of the data, and capitalised names, are the name', () => {
    expect(summary('John Smith')).toEqual({ name: 'John Smith' });
    expect(summary('maria garcia born 1980')).toEqual({
      name: 'maria garcia',
      bornFrom: '1980-01-01',
      bornTo: '1980-12-31',
    });
    expect(summary('patients named Xochitl')).toEqual({ name: 'Xochitl' });
  });

  test('words it cannot place are unparsed, in runs as typed, and nothing understood is dropped', () => {
    expect(summary('women over 60 with blue eyes in Springfield')).toEqual({
      gender: 'FEMALE',
      ageFrom: 61,
      city: 'Springfield',
      unparsed: ['blue eyes'],
    });
  });

  test('only words not understood: no patients (not everyone)', () => {
    const interpretation: Interpretation = read('xyzzy plugh');
    expect(interpretation.unparsed).toEqual(['xyzzy plugh']);
    expect(filterOf(interpretation, TODAY, null)).toBeNull();
  });

  test('the issue example', () => {
    expect(summary('women over 60 in Springfield with high blood pressure')).toEqual({
      gender: 'FEMALE',
      ageFrom: 61,
      city: 'Springfield',
      clinical: ['condition: 59621000'],
    });
  });
});
