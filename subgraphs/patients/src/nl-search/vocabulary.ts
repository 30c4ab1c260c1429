/**
 * What a natural-language query is read against: the codes present in the data (active
 * conditions, medications, allergies, each distinct code once) and the places patients live in.
 * Loaded with two statements and kept, so that a query does not scan the clinical tables: older
 * than VOCABULARY_TTL_MS it is still used while a reload runs beside the query (no query waits for
 * one but the first); an import in this process drops it, and the next query waits for the new one
 * (`invalidate`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type ClinicalConcept, ClinicalMatcher } from './clinical-terms.js';
import { US_STATES } from './us-states.js';

/**
 * How long a loaded vocabulary is fresh: a code or city new to the data (written by another
 * process) is recognised by the first query after the reload this starts.
 */
export const VOCABULARY_TTL_MS = 10_000;

/** A city, state or postal code of the data, folded for comparison ("new bedford"). */
export interface Places {
  /** Folded city name → the city as stored (the first spelling seen). */
  cities: Map<string, string>;
  /** Folded state name or USPS code → every spelling of it in the data and in US_STATES. */
  states: Map<string, string[]>;
  /** Five-digit postal codes of the data. */
  postalCodes: Set<string>;
}

export interface Vocabulary {
  clinical: ClinicalMatcher;
  places: Places;
}

/** Lower case, no accents, single spaces: how place names are compared. */
export const foldPlace = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** The distinct codes of each kind, and their display (the most common spelling). */
const CONCEPTS_SQL = `
  SELECT 'condition' AS kind, code_system AS system, code, min(display) AS display
    FROM patients.condition WHERE active GROUP BY code_system, code
  UNION ALL
  SELECT 'medication', code_system, code, min(display)
    FROM patients.medication_request WHERE active GROUP BY code_system, code
  UNION ALL
  SELECT 'allergy', code_system, code, min(display)
    FROM patients.allergy_intolerance WHERE clinical_status IS NULL OR clinical_status = 'active' GROUP BY code_system, code`;

const PLACES_SQL = `
  SELECT DISTINCT address->>'city' AS city, address->>'state' AS state, left(address->>'postalCode', 5) AS postal_code
  FROM patients.patient WHERE active AND address IS NOT NULL`;

export function placesOf(rows: { city: string | null; state: string | null; postal_code: string | null }[]): Places {
  const places: Places = { cities: new Map(), states: new Map(), postalCodes: new Set() };
  const addState = (key: string, spelling: string) => {
    const list = places.states.get(key) ?? [];
    if (!list.includes(spelling)) list.push(spelling);
    places.states.set(key, list);
  };
  for (const [code, name] of Object.entries(US_STATES)) {
    for (const spelling of [code, name]) {
      addState(foldPlace(code), foldPlace(spelling));
      addState(foldPlace(name), foldPlace(spelling));
    }
  }
  for (const row of rows) {
    if (row.city && !places.cities.has(foldPlace(row.city))) places.cities.set(foldPlace(row.city), row.city);
    if (row.state) addState(foldPlace(row.state), foldPlace(row.state));
    if (row.postal_code && /^\d{5}$/u.test(row.postal_code)) places.postalCodes.add(row.postal_code);
  }
  return places;
}

export async function loadVocabulary(em: EntityManager): Promise<Vocabulary> {
  const [concepts, places] = await Promise.all([
    em.execute<ClinicalConcept[]>(CONCEPTS_SQL),
    em.execute<{ city: string | null; state: string | null; postal_code: string | null }[]>(PLACES_SQL),
  ]);
  return { clinical: new ClinicalMatcher(concepts), places: placesOf(places) };
}

/** One process's vocabulary: reloaded in the background when older than the TTL. */
export class VocabularyCache {
  #loaded: { at: number; vocabulary: Promise<Vocabulary> } | undefined;
  #reloading = false;
  /** Bumped by `invalidate`: a load begun before it never replaces what is loaded after it. */
  #generation = 0;

  constructor(
    private readonly ttlMs = VOCABULARY_TTL_MS,
    private readonly load: (em: EntityManager) => Promise<Vocabulary> = loadVocabulary,
  ) {}

  get(em: EntityManager): Promise<Vocabulary> {
    if (!this.#loaded) {
      const vocabulary = this.load(em);
      const loaded = { at: Date.now(), vocabulary };
      this.#loaded = loaded;
      // A failed load is not kept: the next query tries again.
      vocabulary.catch(() => {
        if (this.#loaded === loaded) this.#loaded = undefined;
      });
      return vocabulary;
    }
    if (Date.now() - this.#loaded.at > this.ttlMs && !this.#reloading) this.#reload(em.fork());
    return this.#loaded.vocabulary;
  }

  /** Loads a fresh one beside the queries (its own fork: it outlives the request that began it). */
  #reload(em: EntityManager): void {
    this.#reloading = true;
    const generation = this.#generation;
    const at = Date.now();
    this.load(em).then(
      (vocabulary) => {
        if (generation !== this.#generation) return;
        this.#loaded = { at, vocabulary: Promise.resolve(vocabulary) };
        this.#reloading = false;
      },
      () => {
        // The loaded one stays; the next query past the TTL tries again.
        if (generation === this.#generation) this.#reloading = false;
      },
    );
  }

  /** After a write that may add codes or places (an import): the next query waits for a fresh one. */
  invalidate(): void {
    this.#generation++;
    this.#loaded = undefined;
    this.#reloading = false;
  }
}
