/**
 * Clinical words to the codes present in the data: a phrase of a query ("high blood pressure",
 * "diabetes", "on metformin") is matched, in this order, against
 *
 *   1. the curated synonym table (clinical-synonyms.json, each entry with its source): lay words
 *      and parent concepts ("heart disease" → coronary disease, heart failure…), used only for
 *      codes that are in the data;
 *   2. the display text of every code in the data, word by word and stemmed (Porter): a phrase
 *      matches a display that holds every one of its words as a whole word, so "diabetes" finds
 *      "Diabetes mellitus type 2" and never "Prediabetes";
 *   3. when NL_SEARCH_SEMANTIC is on, sentence-embedding similarity to the displays and the
 *      synonym table's terms (semantic.ts), for words neither finds, behind a precision guard.
 */
import { readFileSync } from 'node:fs';
import { stemmer } from 'stemmer';

export const CLINICAL_KINDS = ['condition', 'medication', 'allergy'] as const;
export type ClinicalKind = (typeof CLINICAL_KINDS)[number];

/** A code in the data: what a phrase can resolve to. */
export interface ClinicalConcept {
  kind: ClinicalKind;
  system: string | null;
  code: string;
  display: string | null;
}

interface SynonymEntry {
  kind: ClinicalKind;
  terms: string[];
  codes: string[];
  source: string;
}

const SYNONYMS = JSON.parse(readFileSync(new URL('./clinical-synonyms.json', import.meta.url), 'utf8')) as {
  entries: SynonymEntry[];
};

/** Words that carry no meaning of their own in a display or a phrase ("Allergy to penicillin"). */
const FILLER = new Set(
  ['of', 'to', 'the', 'and', 'with', 'due', 'in', 'on', 'for', 'a', 'an', 'by', 'disorder', 'finding', 'disease'].map(
    (word) => stemmer(word),
  ),
);
/** Words a phrase may hold but not consist of: "type 2" alone is no condition. */
const WEAK = new Set(
  [
    'type',
    'stage',
    'chronic',
    'acute',
    'oral',
    'tablet',
    'capsule',
    'mg',
    'hr',
    'release',
    'extended',
    'allergy',
    'allergic',
    'allergies',
    'body',
    'index',
    'mass',
    'dose',
    'medication',
    'medicine',
  ].map((word) => stemmer(word)),
);

/** Lower case, no accents, split into words, each stemmed; "Body mass index 30+" → body mass index 30. */
export function clinicalWords(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s*\([^)]*\)\s*$/u, '') // SNOMED's semantic tag: "(disorder)", "(finding)"
    .split(/[^\p{L}\p{N}.]+/u)
    .map((word) => word.replace(/^\.+|\.+$/gu, ''))
    .filter(Boolean)
    .map((word) => stemmer(word));
}

/** The words of a phrase or display that say something. */
export const contentWords = (words: string[]) => words.filter((word) => !FILLER.has(word));

/** A stemmed word that can name a clinical term on its own: 3 letters or more, not WEAK, not a number. */
export const isTermWord = (word: string) => word.length >= 3 && !WEAK.has(word) && !/^\d/u.test(word);

/** Whether a phrase's words can stand as a clinical term: one word of 3 letters or more that is not WEAK. */
const isMeaningful = (words: string[]) => words.some(isTermWord);

/**
 * A text that names a set of concepts of one kind: a display of the data (its code), or a term of
 * the synonym table (its entry's codes that are in the data; none when the data has none of them,
 * so that a phrase nearest to a concept the data lacks means nothing here). `key` is the same for
 * every text that names the same set.
 */
export interface ClinicalAnchor {
  kind: ClinicalKind;
  text: string;
  key: string;
  concepts: ClinicalConcept[];
}

interface IndexedConcept {
  concept: ClinicalConcept;
  words: Set<string>;
}

/** The codes of the data, indexed for phrase matching; built once per vocabulary load. */
export class ClinicalMatcher {
  readonly #byKind = new Map<ClinicalKind, IndexedConcept[]>();
  readonly #synonyms = new Map<string, { kind: ClinicalKind; codes: Set<string> }[]>();
  readonly #byCode = new Map<string, ClinicalConcept[]>();

  constructor(readonly concepts: ClinicalConcept[]) {
    for (const kind of CLINICAL_KINDS) this.#byKind.set(kind, []);
    for (const concept of concepts) {
      const words = new Set(contentWords(clinicalWords(concept.display ?? '')));
      this.#byKind.get(concept.kind)?.push({ concept, words });
      const key = `${concept.kind}|${concept.code}`;
      this.#byCode.set(key, [...(this.#byCode.get(key) ?? []), concept]);
    }
    for (const entry of SYNONYMS.entries)
      for (const term of entry.terms) {
        const key = contentWords(clinicalWords(term)).join(' ');
        const list = this.#synonyms.get(key) ?? [];
        list.push({ kind: entry.kind, codes: new Set(entry.codes) });
        this.#synonyms.set(key, list);
      }
  }

  /**
   * The concepts of the data that `phrase` means, of `kind` when given (else of the first kind, in
   * CLINICAL_KINDS order, that has any). Empty when it means none of them.
   */
  match(phrase: string, kind?: ClinicalKind): ClinicalConcept[] {
    const words = contentWords(clinicalWords(phrase));
    if (!words.length) return [];
    const kinds = kind ? [kind] : CLINICAL_KINDS;
    for (const wanted of kinds) {
      const found = this.#matchOfKind(words, wanted);
      if (found.length) return found;
    }
    return [];
  }

  #matchOfKind(words: string[], kind: ClinicalKind): ClinicalConcept[] {
    const synonyms = (this.#synonyms.get(words.join(' ')) ?? []).filter((entry) => entry.kind === kind);
    if (synonyms.length) {
      const codes = new Set(synonyms.flatMap((entry) => [...entry.codes]));
      const present = [...codes].flatMap((code) => this.#byCode.get(`${kind}|${code}`) ?? []);
      if (present.length) return present;
    }
    if (!isMeaningful(words)) return [];
    return (this.#byKind.get(kind) ?? [])
      .filter((indexed) => words.every((word) => indexed.words.has(word)))
      .map((indexed) => indexed.concept);
  }

  /** Every display of the data and every term of the synonym table, as what it names (semantic.ts). */
  anchors(): ClinicalAnchor[] {
    const anchors: ClinicalAnchor[] = [];
    const keyOf = (kind: ClinicalKind, concepts: ClinicalConcept[]) =>
      `${kind}|${[...new Set(concepts.map((concept) => concept.code))].sort().join(',')}`;
    for (const concept of this.concepts) {
      const text = (concept.display ?? '').replace(/\s*\([^)]*\)\s*$/u, '').trim();
      const concepts = this.#byCode.get(`${concept.kind}|${concept.code}`) ?? [concept];
      if (text) anchors.push({ kind: concept.kind, text, key: keyOf(concept.kind, concepts), concepts });
    }
    SYNONYMS.entries.forEach((entry, index) => {
      const concepts = entry.codes.flatMap((code) => this.#byCode.get(`${entry.kind}|${code}`) ?? []);
      const key = concepts.length ? keyOf(entry.kind, concepts) : `${entry.kind}|absent:${index}`;
      for (const text of entry.terms) anchors.push({ kind: entry.kind, text, key, concepts });
    });
    return anchors;
  }

  /** Whether a phrase is a word of the synonym table (of any kind), present in the data or not. */
  isKnownTerm(phrase: string): boolean {
    return this.#synonyms.has(contentWords(clinicalWords(phrase)).join(' '));
  }
}
