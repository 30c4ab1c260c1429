/**
 * A natural-language patient query read into a structured filter (SearchInterpretation), by rules
 * over its words: deterministic, so the same query on the same data always means the same thing,
 * and every word is accounted for (understood, a filler word, or returned in `unparsed`).
 *
 * compromise turns number words into numbers ("over sixty five" → over 65) and tells a person's
 * name from other words; chrono-node reads dates ("born in March 1971"). What the words mean in
 * the data (codes, places, names) comes from the Vocabulary and the names the caller looked up.
 */
import * as chrono from 'chrono-node';
import nlp from 'compromise';
import type { Gender } from '../entities.js';
import type { ClinicalConcept, ClinicalKind } from './clinical-terms.js';
import { foldPlace, type Vocabulary } from './vocabulary.js';

export interface ClinicalGroup {
  kind: ClinicalKind;
  /** The words of the query it came from. */
  phrase: string;
  /** Any of these (a patient has one of them); groups are all required. */
  concepts: ClinicalConcept[];
}

/** What a query was read as (the GraphQL SearchInterpretation, with the clinical terms grouped). */
export interface Interpretation {
  name: string | null;
  gender: Gender | null;
  ageFrom: number | null;
  ageTo: number | null;
  bornFrom: string | null;
  bornTo: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  deceased: boolean | null;
  clinical: ClinicalGroup[];
  unparsed: string[];
}

export interface ParseContext {
  vocabulary: Vocabulary;
  /** Folded words that are a name part of some patient (search_term). */
  nameTerms: ReadonlySet<string>;
  /** The day of the query (YYYY-MM-DD): ages are counted on it. */
  today: string;
  /** The query's words when the caller has read them already (readWords of the same query). */
  words?: QueryWords;
  /**
   * The semantic fallback (semantic.ts), when it is on: asked, last, about the runs of words no
   * other rule took (longest first), with the clinical kind their cue says; empty when it refuses.
   */
  semantic?: (phrase: string, kind?: ClinicalKind) => ClinicalConcept[];
}

export const MAX_NAME_WORDS = 6;

interface Token {
  /** As typed. */
  text: string;
  /** Lower case. */
  lower: string;
  used: boolean;
}

const TOKEN = /\d{4}-\d{2}-\d{2}|\d+(?:'?s|\+)?|[\p{L}\p{M}]+(?:['’\-.][\p{L}\p{M}]+)*|,/gu;

/** The query's words, number words as numbers (compromise). */
export function tokenize(query: string): Token[] {
  const doc = nlp(query);
  // Only words: a typed number ("01105", "1971") stays as it is written.
  (doc.match('#TextValue+') as typeof doc).numbers().toNumber();
  const text = doc.text();
  return [...text.matchAll(TOKEN)].map((match) => ({ text: match[0], lower: match[0].toLowerCase(), used: false }));
}

/**
 * A query as compromise reads it, once per request (its parse is the parser's largest cost): the
 * words, and those it takes for a person's name (or another proper noun) or a date.
 */
export interface QueryWords {
  query: string;
  tokens: readonly Omit<Token, 'used'>[];
  people: ReadonlySet<string>;
  dates: ReadonlySet<string>;
}

export function readWords(query: string): QueryWords {
  const tokens = tokenize(query);
  const doc = nlp(tokens.map((token) => token.text).join(' '));
  const wordsOf = (match: string) =>
    new Set(
      (doc.match(match).terms().out('array') as string[]).map((word) =>
        word.replace(/[^\p{L}\p{M}'’\-.]/gu, '').toLowerCase(),
      ),
    );
  return {
    query,
    tokens: tokens.map(({ text, lower }) => ({ text, lower })),
    people: wordsOf('(#Person|#ProperNoun)'),
    dates: wordsOf('#Date'),
  };
}

/** Folded like PostgreSQL's search_fold: how a word is compared with the name parts of the data. */
export const foldName = (word: string) =>
  word
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’ʼ`´.]/gu, '');

/** Words that shape a query and mean nothing alone. */
const FILLER = new Set(
  `a an the all any every of for and or with who that which whose are is was were be been being has have having had
  show me find list get give search please patients patient people persons person those ones everyone anyone
  currently current active years year old aged age ages yrs y o there their his her them they whom also both
  living lives live resident residents`.split(/\s+/u),
);
const FEMALE = new Set(['women', 'woman', 'female', 'females', 'ladies', 'lady', 'girls', 'girl']);
const MALE = new Set(['men', 'man', 'male', 'males', 'gentlemen', 'gentleman', 'boys', 'boy']);
const CHILDREN_GENDERED = new Set(['girls', 'girl', 'boys', 'boy']);
const AGE_GROUPS: Record<string, [number | null, number | null]> = {
  children: [null, 17],
  child: [null, 17],
  kids: [null, 17],
  kid: [null, 17],
  minors: [null, 17],
  pediatric: [null, 17],
  paediatric: [null, 17],
  infants: [null, 0],
  infant: [null, 0],
  babies: [null, 1],
  baby: [null, 1],
  toddlers: [1, 3],
  teenagers: [13, 19],
  teenager: [13, 19],
  teens: [13, 19],
  adolescents: [13, 17],
  adults: [18, null],
  adult: [18, null],
  elderly: [65, null],
  seniors: [65, null],
  senior: [65, null],
  geriatric: [65, null],
  pensioners: [65, null],
};
const DECADES: Record<string, number> = {
  twenties: 20,
  thirties: 30,
  forties: 40,
  fifties: 50,
  sixties: 60,
  seventies: 70,
  eighties: 80,
  nineties: 90,
};
const DECEASED = new Set(['deceased', 'dead', 'died', 'departed']);
const ALIVE = new Set(['alive', 'living', 'surviving']);
const PLACE_CUES = new Set(['in', 'from', 'at', 'near', 'of']);
const CONDITION_CUES = new Set(['with', 'has', 'have', 'having', 'diagnosed', 'suffering', 'history']);
const MEDICATION_CUES = new Set(['on', 'taking', 'takes', 'take', 'prescribed', 'using', 'receiving']);
const ALLERGY_WORDS = new Set(['allergic', 'allergy', 'allergies', 'intolerant', 'intolerance', 'allergies']);
const NEGATIONS = new Set(['without', 'not', 'no', 'never', 'except', 'excluding', 'non']);
const NAME_CUES = new Set(['named', 'called', 'name', 'surname']);

const isNumber = (token: Token | undefined) => Boolean(token && /^\d{1,3}$/u.test(token.lower));
const num = (token: Token) => Number(token.lower);

class Reader {
  readonly tokens: Token[];
  readonly result: Interpretation = {
    name: null,
    gender: null,
    ageFrom: null,
    ageTo: null,
    bornFrom: null,
    bornTo: null,
    city: null,
    state: null,
    postalCode: null,
    deceased: null,
    clinical: [],
    unparsed: [],
  };
  readonly names: string[] = [];
  /** Per token: it was read as part of something, or deliberately left (negated). */
  readonly unparsedAt = new Set<number>();
  readonly words: QueryWords;

  constructor(
    query: string,
    readonly context: ParseContext,
  ) {
    this.words = context.words?.query === query ? context.words : readWords(query);
    this.tokens = this.words.tokens.map((token) => ({ ...token, used: false }));
  }

  /** The lower-case words from `i`, for `count` free tokens (undefined when one is used or missing). */
  free(i: number, count = 1): Token[] | undefined {
    const span = this.tokens.slice(i, i + count);
    return span.length === count && span.every((token) => !token.used) ? span : undefined;
  }

  is(i: number, ...words: string[]): boolean {
    return words.every((word, k) => {
      const token = this.tokens[i + k];
      return token !== undefined && !token.used && token.lower === word;
    });
  }

  use(from: number, count: number): void {
    for (let k = from; k < from + count; k++) if (this.tokens[k]) this.tokens[k]!.used = true;
  }

  /** Narrows the age range (an intersection: "adults under 30" is 18 to 29). */
  age(from: number | null, to: number | null): void {
    if (from !== null) this.result.ageFrom = Math.max(this.result.ageFrom ?? 0, from);
    if (to !== null) this.result.ageTo = Math.min(this.result.ageTo ?? Number.MAX_SAFE_INTEGER, to);
  }

  born(from: string | null, to: string | null): void {
    if (from && (!this.result.bornFrom || from > this.result.bornFrom)) this.result.bornFrom = from;
    if (to && (!this.result.bornTo || to < this.result.bornTo)) this.result.bornTo = to;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** A period of days as [first, last], YYYY-MM-DD. */
type Period = [string, string];

function yearPeriod(year: number): Period {
  return [`${year}-01-01`, `${year}-12-31`];
}

function shiftDay(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * A date expression at token `i` (a year, a decade "1950s", "March 1971", "5 March 1971",
 * "1971-03-05"), as the period it names and how many tokens it took.
 */
function periodAt(reader: Reader, i: number): { period: Period; length: number } | undefined {
  const first = reader.tokens[i];
  if (!first || first.used) return undefined;
  const decade = /^(\d{3})0'?s$/u.exec(first.lower);
  if (decade) {
    const start = Number(`${decade[1]}0`);
    return { period: [`${start}-01-01`, `${start + 9}-12-31`], length: 1 };
  }
  if (/^\d{4}$/u.test(first.lower)) return { period: yearPeriod(Number(first.lower)), length: 1 };
  for (let length = Math.min(4, reader.tokens.length - i); length >= 1; length--) {
    const span = reader.free(i, length);
    if (!span) continue;
    const text = span.map((token) => token.text).join(' ');
    const [parsed] = chrono.parse(text, new Date(`${reader.context.today}T12:00:00Z`));
    if (parsed?.index !== 0 || parsed.text.length !== text.length) continue;
    if (!parsed.start.isCertain('year')) continue;
    const year = parsed.start.get('year')!;
    const month = parsed.start.isCertain('month') ? parsed.start.get('month')! : null;
    const day = parsed.start.isCertain('day') ? parsed.start.get('day')! : null;
    if (month === null) return { period: yearPeriod(year), length };
    if (day === null)
      return { period: [`${year}-${pad(month)}-01`, `${year}-${pad(month)}-${lastDay(year, month)}`], length };
    const date = `${year}-${pad(month)}-${pad(day)}`;
    return { period: [date, date], length };
  }
  return undefined;
}

/** "born before 1960", "born in March 1971", "born between 1950 and 1960", "born 1971", "from the 1950s". */
function readBirthDates(reader: Reader): void {
  const { tokens } = reader;
  for (let i = 0; i < tokens.length; i++) {
    if (!reader.is(i, 'born')) continue;
    let j = i + 1;
    const word = tokens[j]?.lower;
    let relation: 'before' | 'after' | 'since' | 'in' | 'between' = 'in';
    if (word === 'before' || word === 'after' || word === 'since' || word === 'between') {
      relation = word;
      j++;
    } else if (word === 'prior' && tokens[j + 1]?.lower === 'to') {
      relation = 'before';
      j += 2;
    } else if (word === 'in' || word === 'on' || word === 'during') j++;
    if (tokens[j]?.lower === 'the') j++;
    const at = periodAt(reader, j);
    if (!at) continue;
    if (relation === 'between' && tokens[j + at.length]?.lower === 'and') {
      const end = periodAt(reader, j + at.length + 1);
      if (!end) continue;
      reader.born(at.period[0], end.period[1]);
      reader.use(i, j + at.length + 1 + end.length - i);
      continue;
    }
    if (relation === 'before') reader.born(null, shiftDay(at.period[0], -1));
    else if (relation === 'after') reader.born(shiftDay(at.period[1], 1), null);
    else if (relation === 'since') reader.born(at.period[0], null);
    else reader.born(at.period[0], at.period[1]);
    reader.use(i, j + at.length - i);
  }
  // A decade on its own ("patients from the 1950s") is a birth decade.
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.used || !/^(1[89]|20)\d0'?s$/u.test(token.lower)) continue;
    const at = periodAt(reader, i)!;
    reader.born(at.period[0], at.period[1]);
    reader.use(i, 1);
  }
}

/** Ages: "over 60", "older than 65", "under 18", "aged 30 to 40", "in their 40s", "65+", "children"… */
function readAges(reader: Reader): void {
  const { tokens } = reader;
  const yearsAfter = (i: number) => {
    let k = i;
    if (reader.is(k, 'years') || reader.is(k, 'year') || reader.is(k, 'yrs')) k++;
    if (reader.is(k, 'old') || reader.is(k, 'of', 'age')) k += reader.is(k, 'old') ? 1 : 2;
    return k - i;
  };
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.used) continue;
    const word = tokens[i]!.lower;
    const next = tokens[i + 1];
    // over 60 / older than 60 / more than 60 / above 60
    const older =
      (['over', 'above'].includes(word) && 1) ||
      (['older', 'more', 'greater'].includes(word) && tokens[i + 1]?.lower === 'than' && 2) ||
      0;
    if (older && isNumber(tokens[i + older])) {
      reader.age(num(tokens[i + older]!) + 1, null);
      reader.use(i, older + 1 + yearsAfter(i + older + 1));
      continue;
    }
    const younger =
      (['under', 'below'].includes(word) && 1) ||
      (['younger', 'less'].includes(word) && tokens[i + 1]?.lower === 'than' && 2) ||
      0;
    if (younger && isNumber(tokens[i + younger])) {
      reader.age(null, num(tokens[i + younger]!) - 1);
      reader.use(i, younger + 1 + yearsAfter(i + younger + 1));
      continue;
    }
    // at least 60
    if (reader.is(i, 'at', 'least') && isNumber(tokens[i + 2])) {
      reader.age(num(tokens[i + 2]!), null);
      reader.use(i, 3 + yearsAfter(i + 3));
      continue;
    }
    // between 30 and 40 / aged 30 to 40 / ages 30-40
    const between = ['between', 'aged', 'age', 'ages'].includes(word) ? 1 : 0;
    if (
      between &&
      isNumber(tokens[i + 1]) &&
      ['and', 'to'].includes(tokens[i + 2]?.lower ?? '') &&
      isNumber(tokens[i + 3])
    ) {
      reader.age(num(tokens[i + 1]!), num(tokens[i + 3]!));
      reader.use(i, 4 + yearsAfter(i + 4));
      continue;
    }
    // aged 65 and over / aged 12 or under
    if ((word === 'aged' || word === 'age') && isNumber(next) && ['and', 'or'].includes(tokens[i + 2]?.lower ?? '')) {
      const bound = tokens[i + 3]?.lower ?? '';
      if (['over', 'older', 'above'].includes(bound) || ['under', 'younger', 'below'].includes(bound)) {
        const over = ['over', 'older', 'above'].includes(bound);
        reader.age(over ? num(next!) : null, over ? null : num(next!));
        reader.use(i, 4);
        continue;
      }
    }
    // aged 45 / age 45
    if ((word === 'aged' || word === 'age') && isNumber(next)) {
      reader.age(num(next!), num(next!));
      reader.use(i, 2 + yearsAfter(i + 2));
      continue;
    }
    // in their 40s / in their forties / 40s
    const decadeWord = (token: Token | undefined) => {
      if (!token || token.used) return undefined;
      const digits = /^([1-9]0)'?s$/u.exec(token.lower);
      return digits ? Number(digits[1]) : DECADES[token.lower];
    };
    if (reader.is(i, 'in') && ['their', 'his', 'her', 'the'].includes(tokens[i + 1]?.lower ?? '')) {
      const decade = decadeWord(tokens[i + 2]);
      if (decade !== undefined) {
        reader.age(decade, decade + 9);
        reader.use(i, 3);
        continue;
      }
    }
    const decade = decadeWord(tokens[i]);
    if (decade !== undefined) {
      reader.age(decade, decade + 9);
      reader.use(i, 1);
      continue;
    }
    // 60+
    if (/^\d{1,3}\+$/u.test(word)) {
      reader.age(Number(word.slice(0, -1)), null);
      reader.use(i, 1 + yearsAfter(i + 1));
      continue;
    }
    if (isNumber(tokens[i])) {
      const n = num(tokens[i]!);
      // 60 and over / 60 or older
      const rest = yearsAfter(i + 1);
      const k = i + 1 + rest;
      if (
        ['and', 'or'].includes(tokens[k]?.lower ?? '') &&
        ['over', 'older', 'above'].includes(tokens[k + 1]?.lower ?? '')
      ) {
        reader.age(n, null);
        reader.use(i, k + 2 - i);
        continue;
      }
      if (
        ['and', 'or'].includes(tokens[k]?.lower ?? '') &&
        ['under', 'younger', 'below'].includes(tokens[k + 1]?.lower ?? '')
      ) {
        reader.age(null, n);
        reader.use(i, k + 2 - i);
        continue;
      }
      // 45 years old / 45 year olds
      if (
        rest > 0 &&
        (reader.is(i + 1, 'years', 'old') || reader.is(i + 1, 'year', 'old') || reader.is(i + 1, 'year', 'olds'))
      ) {
        reader.age(n, n);
        reader.use(i, 3);
        continue;
      }
    }
    const group = AGE_GROUPS[word];
    if (group && !(word === 'senior' && next?.lower === 'citizens')) {
      reader.age(group[0], group[1]);
      reader.use(i, 1);
      continue;
    }
    if (reader.is(i, 'older', 'adults') || reader.is(i, 'senior', 'citizens')) {
      reader.age(65, null);
      reader.use(i, 2);
    }
  }
}

/** Gender words; "boys" and "girls" are children too. A second, different gender is left unparsed. */
function readGender(reader: Reader): void {
  reader.tokens.forEach((token, i) => {
    if (token.used) return;
    const gender = FEMALE.has(token.lower) ? 'FEMALE' : MALE.has(token.lower) ? 'MALE' : null;
    if (!gender) return;
    if (reader.result.gender && reader.result.gender !== gender) return;
    reader.result.gender = gender;
    if (CHILDREN_GENDERED.has(token.lower)) reader.age(null, 17);
    reader.use(i, 1);
  });
}

/** "deceased", "dead", "passed away", "who died"; "alive", "living", "not deceased". */
function readVitalStatus(reader: Reader): void {
  const { tokens } = reader;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.used) continue;
    if ((token.lower === 'not' || token.lower === 'non') && DECEASED.has(tokens[i + 1]?.lower ?? '')) {
      reader.result.deceased = false;
      reader.use(i, 2);
    } else if (reader.is(i, 'passed', 'away')) {
      reader.result.deceased = true;
      reader.use(i, 2);
    } else if (DECEASED.has(token.lower)) {
      reader.result.deceased = true;
      reader.use(i, 1);
    } else if (ALIVE.has(token.lower) && !PLACE_CUES.has(tokens[i + 1]?.lower ?? '')) {
      reader.result.deceased = false;
      reader.use(i, 1);
    }
  }
}

/** The clinical cue before token `i` (skipping filler): which kind a phrase there most likely is. */
function cueBefore(reader: Reader, i: number): { kind?: ClinicalKind; negated: boolean } {
  let kind: ClinicalKind | undefined;
  for (let k = i - 1; k >= 0 && k >= i - 4; k--) {
    const token = reader.tokens[k]!;
    const word = token.lower;
    if (NEGATIONS.has(word)) return { negated: true };
    const cue = ALLERGY_WORDS.has(word)
      ? 'allergy'
      : MEDICATION_CUES.has(word)
        ? 'medication'
        : CONDITION_CUES.has(word)
          ? 'condition'
          : undefined;
    if (cue) kind ??= cue;
    else if (token.used || !(FILLER.has(word) || word === 'to' || word === 'from' || word === ',')) break;
  }
  return { kind, negated: false };
}

const isCue = (word: string) =>
  CONDITION_CUES.has(word) || MEDICATION_CUES.has(word) || ALLERGY_WORDS.has(word) || NEGATIONS.has(word);

/** Conditions, medications and allergies: the longest phrases the vocabulary knows. */
function readClinical(reader: Reader): void {
  const { tokens } = reader;
  const { clinical } = reader.context.vocabulary;
  for (let i = 0; i < tokens.length; i++) {
    const start = tokens[i]!.lower;
    if (tokens[i]!.used || FILLER.has(start) || isCue(start) || start === ',' || start === 'to') continue;
    for (let length = Math.min(6, tokens.length - i); length >= 1; length--) {
      const span = reader.free(i, length);
      const end = span?.at(-1)?.lower ?? '';
      if (!span || FILLER.has(end) || PLACE_CUES.has(end) || isCue(end) || span.some((token) => token.lower === ','))
        continue;
      const phrase = span.map((token) => token.text).join(' ');
      const after = tokens[i + length];
      const allergyAfter = after && !after.used && ALLERGY_WORDS.has(after.lower);
      const cue = cueBefore(reader, i);
      const kind = allergyAfter ? 'allergy' : cue.kind;
      const concepts = clinical.match(phrase, kind);
      if (!concepts.length) continue;
      const taken = length + (allergyAfter ? 1 : 0);
      if (cue.negated) {
        // "without diabetes": no filter that would mean the opposite; shown as not understood.
        reader.use(i, taken);
        for (let k = i; k < i + taken; k++) reader.unparsedAt.add(k);
        markNegation(reader, i);
        i += taken - 1;
        break;
      }
      const found = concepts[0]!.kind;
      const previous = reader.result.clinical.at(-1);
      const joinedByOr = previous?.kind === found && tokens[i - 1]?.lower === 'or';
      if (joinedByOr && previous) {
        previous.phrase = `${previous.phrase} or ${phrase}`;
        previous.concepts.push(...concepts.filter((concept) => !previous.concepts.includes(concept)));
      } else reader.result.clinical.push({ kind: found, phrase, concepts });
      reader.use(i, taken);
      // The cue words are part of it: "allergic to", "diagnosed with", "on".
      i += taken - 1;
      break;
    }
  }
}

/** The most words of a phrase the semantic fallback is asked about. */
const MAX_SEMANTIC_WORDS = 4;

/**
 * What no rule read, as clinical words by the semantic fallback: each run of free words (no
 * filler, cue, place cue or number between them; negated words are taken already), longest
 * phrase first. It never replaces what the synonyms or the display text found.
 */
function readSemantic(reader: Reader): void {
  const { semantic } = reader.context;
  if (!semantic) return;
  const { tokens } = reader;
  const free = (token: Token | undefined) =>
    token !== undefined &&
    !token.used &&
    /^[\p{L}\p{M}]/u.test(token.text) &&
    !FILLER.has(token.lower) &&
    !PLACE_CUES.has(token.lower) &&
    !isCue(token.lower) &&
    token.lower !== 'to';
  for (let i = 0; i < tokens.length; i++) {
    if (!free(tokens[i])) continue;
    let end = i;
    while (end < tokens.length && end - i < MAX_SEMANTIC_WORDS && free(tokens[end])) end++;
    for (let length = end - i; length >= 1; length--) {
      const phrase = tokens
        .slice(i, i + length)
        .map((token) => token.text)
        .join(' ');
      const concepts = semantic(phrase, cueBefore(reader, i).kind);
      if (!concepts.length) continue;
      reader.result.clinical.push({ kind: concepts[0]!.kind, phrase, concepts });
      reader.use(i, length);
      i += length - 1;
      break;
    }
  }
}

/** The negation before a negated phrase, and the words between, are unparsed with it. */
function markNegation(reader: Reader, i: number): void {
  for (let k = i - 1; k >= 0 && k >= i - 4; k--)
    if (NEGATIONS.has(reader.tokens[k]!.lower)) {
      for (let n = k; n < i; n++) {
        reader.tokens[n]!.used = true;
        reader.unparsedAt.add(n);
      }
      return;
    }
}

/** Cities, states (name, or USPS code written in capitals) and postal codes of the data. */
function readPlaces(reader: Reader): void {
  const { tokens } = reader;
  const { places } = reader.context.vocabulary;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.used) continue;
    const cued = PLACE_CUES.has(tokens[i - 1]?.lower ?? '');
    if (/^\d{5}$/u.test(token.lower)) {
      const zipCue = ['zip', 'zipcode', 'postcode', 'code'].includes(tokens[i - 1]?.lower ?? '');
      if (places.postalCodes.has(token.lower) || zipCue) {
        reader.result.postalCode ??= token.lower;
        reader.use(i, 1);
        if (zipCue) reader.use(i - 1, 1);
        if (reader.is(i - 2, 'postal')) reader.use(i - 2, 1);
      }
      continue;
    }
    for (let length = Math.min(3, tokens.length - i); length >= 1; length--) {
      const span = reader.free(i, length);
      if (!span) continue;
      const folded = foldPlace(span.map((t) => t.text).join(' '));
      const city = places.cities.get(folded);
      // A word that is someone's name is a place only after "in", "from"…, or with a state after it.
      const stateAfter =
        tokens[i + length]?.lower === ',' || Boolean(places.states.get(foldPlace(tokens[i + length]?.text ?? '')));
      const isName = length === 1 && reader.context.nameTerms.has(foldName(token.text));
      if (city && !reader.result.city && (cued || stateAfter || !isName)) {
        reader.result.city = city;
        reader.use(i, length);
        if (cued) reader.use(i - 1, 1);
        i += length - 1;
        break;
      }
      const isCode = length === 1 && /^[A-Z]{2}$/u.test(token.text);
      const state = places.states.get(folded);
      if (state && !reader.result.state && (length > 1 || isCode || token.lower.length > 2) && (cued || !isName)) {
        reader.result.state = span.map((t) => t.text).join(' ');
        reader.use(i, length);
        if (cued) reader.use(i - 1, 1);
        i += length - 1;
        break;
      }
    }
  }
}

/** Name parts: after "named"/"called", and words that are a name part in the data or read as a name. */
function readNames(reader: Reader): void {
  const { tokens } = reader;
  // The words compromise reads as a person's name (or another proper noun) in the query as typed.
  const { people, dates } = reader.words;
  let afterCue = 0;
  tokens.forEach((token, i) => {
    if (token.used) return;
    if (NAME_CUES.has(token.lower)) {
      token.used = true;
      afterCue = 3;
      return;
    }
    const letters = /^[\p{L}\p{M}]+(?:['’\-.][\p{L}\p{M}]+)*$/u.test(token.text);
    const capitalised = /^\p{Lu}/u.test(token.text);
    const known = reader.context.nameTerms.has(foldName(token.text));
    const cued = afterCue > 0;
    afterCue = Math.max(0, afterCue - 1);
    if (!letters || FILLER.has(token.lower) || PLACE_CUES.has(token.lower)) return;
    // A capitalised word the data does not know is a name unless it stands where a place or a date would.
    const previous = tokens[i - 1]?.lower ?? '';
    const placeOrDate = PLACE_CUES.has(previous) || previous === 'born' || dates.has(token.lower);
    if (cued || known || (capitalised && people.has(token.lower) && !placeOrDate)) {
      if (reader.names.length < MAX_NAME_WORDS) {
        reader.names.push(token.text);
        token.used = true;
      }
    }
  });
}

/** Reads `query`; every word ends up understood, filler, or in `unparsed` (runs of words kept together). */
export function interpret(query: string, context: ParseContext): Interpretation {
  const reader = new Reader(query, context);
  readBirthDates(reader);
  readAges(reader);
  readGender(reader);
  readVitalStatus(reader);
  readClinical(reader);
  readPlaces(reader);
  readNames(reader);
  readSemantic(reader);
  const { result, tokens } = reader;
  result.name = reader.names.length ? reader.names.join(' ') : null;
  let run: string[] = [];
  const flush = () => {
    if (run.length) result.unparsed.push(run.join(' '));
    run = [];
  };
  tokens.forEach((token, i) => {
    const dropped = !token.used && (FILLER.has(token.lower) || PLACE_CUES.has(token.lower) || token.lower === ',');
    const cue =
      !token.used &&
      (CONDITION_CUES.has(token.lower) ||
        MEDICATION_CUES.has(token.lower) ||
        ALLERGY_WORDS.has(token.lower) ||
        ['to', 'than', 'from'].includes(token.lower));
    if (reader.unparsedAt.has(i) || (!token.used && !dropped && !cue)) run.push(token.text);
    else flush();
  });
  flush();
  return result;
}

/**
 * The phrases, each with its cue's kind, that `interpret` would ask the semantic fallback about:
 * what to embed before the parse that uses the answers.
 */
export function semanticCandidates(
  query: string,
  context: Omit<ParseContext, 'semantic'>,
): { interpretation: Interpretation; candidates: { phrase: string; kind?: ClinicalKind }[] } {
  const candidates: { phrase: string; kind?: ClinicalKind }[] = [];
  const interpretation = interpret(query, {
    ...context,
    semantic: (phrase, kind) => {
      candidates.push(kind ? { phrase, kind } : { phrase });
      return [];
    },
  });
  return { interpretation, candidates };
}

/** The words of a query that could be name parts (to look up in the data before `interpret`). */
export function candidateNameWords(query: string | QueryWords): string[] {
  const { tokens } = typeof query === 'string' ? readWords(query) : query;
  return [
    ...new Set(
      tokens
        .filter((token) => /^[\p{L}\p{M}]/u.test(token.text) && !FILLER.has(token.lower))
        .map((token) => foldName(token.text)),
    ),
  ];
}
