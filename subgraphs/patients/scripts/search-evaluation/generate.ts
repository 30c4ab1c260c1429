/**
 * The labelled search evaluation set (`evaluation-set.json` beside this file), which
 * `npm run bench:search -- --generate` writes. Look-alike people from several locales (faker, seeded,
 * and hand-curated groups of spellings clinicians confuse), and clinician-style queries, each
 * labelled with the one person it means. Reproducible: the same seed and faker version write the
 * same file; the file is committed, so the figures do not depend on either.
 *
 * A query is kept only when its person is the one right answer by construction: no one else has
 * the same name once folded, a misspelt word is strictly closer to the person's name than to
 * anyone else's, and a beginning of a given name is no other family member's.
 */
import { base, da, de, en, es, Faker, fr, it, nb_NO, nl, pl, pt_BR, sv, tr } from '@faker-js/faker';

export const SET_FILE = new URL('./evaluation-set.json', import.meta.url);

export interface EvaluationPerson {
  key: string;
  givenName: string;
  familyName: string;
  gender: 'MALE' | 'FEMALE' | 'UNKNOWN';
  birthDate: string;
  mrn: string;
}

export interface EvaluationQuery {
  query: string;
  /** The key of the person meant. */
  expected: string;
  kind: string;
}

export interface EvaluationSet {
  description: string;
  people: EvaluationPerson[];
  queries: EvaluationQuery[];
}

const SEED = 14;
const CLUSTERS = 400;
const QUERIES = 288;
const LOCALES = { de, es, pt_BR, fr, nl, da, pl, tr, it, sv, nb_NO, en } as const;

/** Given names people confuse: short forms, long forms, one letter apart. */
const GIVEN_LOOKALIKES = [
  ['Ana', 'Anabela', 'Ana Maria', 'Anna'],
  ['Katrin', 'Katharina', 'Kathrin', 'Katja', 'Katarina'],
  ['Jon', 'John', 'Jonathan', 'Jonas'],
  ['Maria', 'Mario', 'Marie', 'Mariana', 'Marian'],
  ['Christina', 'Christine', 'Kristina', 'Christian'],
  ['Lucas', 'Lukas', 'Luca', 'Lucia', 'Luciana'],
  ['Sofia', 'Sophia', 'Sofie', 'Sophie'],
  ['Nikolaj', 'Nikolai', 'Nicolas', 'Nicola'],
  ['Daniel', 'Daniela', 'Danielle', 'Dan'],
  ['Frederik', 'Frederick', 'Fredrik', 'Frida'],
  ['Johan', 'Johann', 'Johanna', 'Johannes'],
  ['Francisco', 'Francisca', 'Franco', 'Frances'],
  ['Mohamed', 'Mohammed', 'Muhammad', 'Mehmet'],
  ['Sean', 'Shaun', 'Sian', 'Siobhan'],
  ['Elena', 'Helena', 'Ellen', 'Eleni'],
  ['José', 'Josefa', 'Josué', 'Josep'],
];

/** Families that differ by a space, a hyphen, an apostrophe, a transliteration or a long shared beginning. */
const FAMILY_LOOKALIKES = [
  ['Ortega-Ruiz', 'Ortega-Díaz', 'Ortega', 'Ruiz'],
  ['van Dijk', 'Vandijk', 'van der Dijk', 'Dijkstra'],
  ['de Jong', 'Dejong', 'de Jonge', 'Jong'],
  ["O'Donnell", "O'Connell", 'Donnelly', 'McDonnell'],
  ["D'Angelo", 'Angelo', 'DeAngelis'],
  ['Bäumer', 'Baeumer', 'Baum', 'Bäumler'],
  ['Müller', 'Mueller', 'Möller', 'Mühler'],
  ['Søndergaard', 'Sondergaard', 'Søndergård', 'Søgaard'],
  ['Jørgensen', 'Jürgensen', 'Jorgensen', 'Jörgens'],
  ['Hoffmannsthal', 'Hoffmannsberger', 'Hoffmann', 'Hofmann'],
  ['Christophersen', 'Christoffersen', 'Kristoffersen', 'Christensen'],
  ['Souza', 'Sousa', 'de Souza', 'Souto'],
  ['Meier', 'Meyer', 'Maier', 'Mayer'],
  ['García Márquez', 'García', 'Márquez', 'García-Márquez'],
  ['Nguyễn', 'Nguyen Van', 'Ngo', 'Nguy'],
  ['Yılmaz', 'Yilmazer', 'Yıldız', 'Yalçın'],
  ['Wójcik', 'Wojcicki', 'Wójtowicz', 'Wojciechowski'],
  ['Saint-Pierre', 'St. Pierre', 'Pierre', 'Saint-Pré'],
  ['Andersen', 'Anderson', 'Andersson', 'Andresen'],
  ['Fernández', 'Hernández', 'Fernandes', 'Hernandes'],
  ['MacLeod', 'McLeod', 'Macleod-Smith', 'Leod'],
  ['Schmidt', 'Schmitt', 'Schmid', 'Smith'],
];

/** One spelling variant of a family name, as registries and typists produce them. */
const SPELLING_RULES: [RegExp, string][] = [
  [/ei/, 'ey'],
  [/ey/, 'ei'],
  [/ai/, 'ei'],
  [/z$/, 's'],
  [/s$/, 'z'],
  [/sen$/, 'son'],
  [/son$/, 'sen'],
  [/ph/, 'f'],
  [/ck/, 'k'],
  [/([bcdfgklmnprst])\1/, '$1'],
  [/([aeiou])([lmnrt])([aeiou])/, '$1$2$2$3'],
  [/y/, 'i'],
  [/i([^aeiou])/, 'y$1'],
  [/c([aou])/, 'k$1'],
  [/e$/, ''],
  [/([^aeiou])$/, '$1e'],
];

const FOLD: Record<string, string> = { ø: 'o', ł: 'l', ß: 'ss', æ: 'ae', œ: 'oe', đ: 'd', ı: 'i', ð: 'd', þ: 'th' };

/** Close to PostgreSQL's search_fold: only the ambiguity checks use it. */
export function fold(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[øłßæœđıðþ]/g, (c) => FOLD[c] ?? c)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/['’ʼ`´.]/g, '')
    .split(/[\s_/,;:()‐‑‒–—-]+/u)
    .filter(Boolean);
}

function transliterate(text: string): string {
  const table: Record<string, string> = {
    ä: 'ae',
    ö: 'oe',
    ü: 'ue',
    ø: 'oe',
    å: 'aa',
    Ä: 'Ae',
    Ö: 'Oe',
    Ü: 'Ue',
    Ø: 'Oe',
    Å: 'Aa',
  };
  return text.replace(/[äöüøåÄÖÜØÅ]/g, (c) => table[c] ?? c);
}

const stripAccents = (text: string) =>
  text
    .replace(
      /[øØłŁßæÆđıð]/g,
      (c) => ({ ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', ß: 'ss', æ: 'ae', Æ: 'Ae', đ: 'd', ı: 'i', ð: 'd' })[c] ?? c,
    )
    .normalize('NFD')
    .replace(/\p{M}/gu, '');

/** Optimal string alignment distance (a swap of two letters is one edit). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** Sum over the query's words of the distance to the closest part of the person (the parts joined count too). */
function closeness(words: string[], person: EvaluationPerson): number {
  const parts = [...fold(person.givenName), ...fold(person.familyName)];
  const joined = [fold(person.givenName).join(''), fold(person.familyName).join('')];
  return words.reduce((sum, word) => sum + Math.min(...[...parts, ...joined].map((part) => distance(word, part))), 0);
}

export function generateEvaluationSet(): EvaluationSet {
  const faker = new Faker({ locale: [en, base], seed: SEED });
  const fakers = Object.entries(LOCALES).map(([name, locale]) => ({
    name,
    faker: new Faker({ locale: [locale, en, base], seed: SEED + name.length }),
  }));
  const people: EvaluationPerson[] = [];
  const add = (givenName: string, familyName: string) => {
    const index = people.length + 1;
    const person: EvaluationPerson = {
      key: `p${String(index).padStart(4, '0')}`,
      givenName,
      familyName,
      gender: faker.helpers.arrayElement(['MALE', 'FEMALE', 'UNKNOWN'] as const),
      birthDate: faker.date.between({ from: '1930-01-01', to: '2020-12-31' }).toISOString().slice(0, 10),
      mrn: `EVAL-${String(index).padStart(5, '0')}`,
    };
    people.push(person);
    return person;
  };

  // Families from each locale, with spelling variants of the name and look-alike given names.
  for (let cluster = 0; cluster < CLUSTERS; cluster++) {
    const { faker: local } = fakers[cluster % fakers.length]!;
    const family = local.person.lastName();
    const variants = faker.helpers
      .shuffle(SPELLING_RULES)
      .map(([pattern, replacement]) => family.replace(pattern, replacement))
      .filter((variant) => variant !== family && variant.length > 2)
      .slice(0, faker.number.int({ min: 0, max: 2 }));
    const families = [family, ...variants];
    const givens = faker.datatype.boolean(0.3)
      ? faker.helpers.arrayElement(GIVEN_LOOKALIKES)
      : Array.from({ length: 4 }, () => local.person.firstName());
    const size = faker.number.int({ min: 3, max: 6 });
    for (let i = 0; i < size; i++) add(faker.helpers.arrayElement(givens), faker.helpers.arrayElement(families));
    // Namesakes: the same name again, born on another day (only the date tells them apart).
    if (faker.datatype.boolean(0.15)) {
      const twin = people.at(-1)!;
      add(twin.givenName, twin.familyName);
    }
  }
  for (const families of FAMILY_LOOKALIKES)
    for (const family of families)
      for (const givenName of faker.helpers.arrayElements(GIVEN_LOOKALIKES.flat(), 3)) add(givenName, family);

  const byFoldedName = new Map<string, EvaluationPerson[]>();
  const nameKey = (given: string, family: string) => [...fold(given), ...fold(family)].sort().join(' ');
  for (const person of people) {
    const key = nameKey(person.givenName, person.familyName);
    byFoldedName.set(key, [...(byFoldedName.get(key) ?? []), person]);
  }
  const isNamesake = (person: EvaluationPerson) =>
    (byFoldedName.get(nameKey(person.givenName, person.familyName))?.length ?? 0) > 1;
  /** No one else is called what the words say (folded, in any order). */
  const onlyOne = (words: string[], person: EvaluationPerson) =>
    (byFoldedName.get([...words].sort().join(' ')) ?? []).every((other) => other === person);
  /** The words are strictly closer to the person than to anyone else. */
  const closest = (words: string[], person: EvaluationPerson) => {
    const own = closeness(words, person);
    return people.every((other) => other === person || closeness(words, other) > own);
  };

  const typo = (word: string): string => {
    const edits = word.length >= 8 && faker.datatype.boolean(0.5) ? 2 : 1;
    let result = word;
    for (let n = 0; n < edits; n++) {
      const at = faker.number.int({ min: 0, max: Math.max(0, result.length - 2) });
      const letter = faker.string.alpha({ casing: 'lower' });
      result = faker.helpers.arrayElement([
        () => result.slice(0, at) + result.slice(at + 1), // a letter left out
        () => result.slice(0, at) + letter + result.slice(at), // one too many
        () => result.slice(0, at) + letter + result.slice(at + 1), // a wrong one
        () => result.slice(0, at) + (result[at + 1] ?? '') + result[at] + result.slice(at + 2), // two swapped
      ])();
    }
    return result;
  };

  /** The longest part of a name between spaces, hyphens and apostrophes: where a typist's typo lands. */
  const longestPart = (name: string) => name.split(/[\s'’-]+/u).reduce((a, b) => (b.length > a.length ? b : a));
  const firstPart = (name: string) => name.split(/[\s'’-]+/u)[0]!;

  const date = (iso: string, slashed: boolean) => {
    const [year, month, day] = iso.split('-');
    // Day first, and only when the day cannot be a month: the default setting refuses ambiguous dates.
    return slashed && Number(day) > 12 ? `${day}/${month}/${year}` : iso;
  };

  /** Someone else of the same family (folded) has a given name part beginning with `prefix`. */
  const relativeBeginning = (person: EvaluationPerson, prefix: string) => {
    const family = fold(person.familyName).join(' ');
    return people.some(
      (other) =>
        other !== person &&
        fold(other.familyName).join(' ') === family &&
        fold(other.givenName).some((part) => part.startsWith(prefix)),
    );
  };

  const queries: EvaluationQuery[] = [];
  const kinds: Record<string, (person: EvaluationPerson) => string | undefined> = {
    'exact name': (p) => `${p.givenName} ${p.familyName}`,
    'family first': (p) => `${p.familyName} ${p.givenName}`,
    'upper case': (p) => `${p.givenName} ${p.familyName}`.toUpperCase(),
    'without accents': (p) => {
      const plain = stripAccents(`${p.givenName} ${p.familyName}`);
      return plain !== `${p.givenName} ${p.familyName}` ? plain.toLowerCase() : undefined;
    },
    transliterated: (p) => {
      const written = transliterate(`${p.givenName} ${p.familyName}`);
      return written !== `${p.givenName} ${p.familyName}` ? written : undefined;
    },
    'spaces, hyphens, apostrophes': (p) => {
      if (!/[\s'’.-]/.test(p.familyName)) return undefined;
      const joined = p.familyName.replace(/[\s'’.]/g, '').replace(/-/g, ' ');
      return `${p.givenName.toLowerCase()} ${joined.toLowerCase()}`;
    },
    'typo in family name': (p) => {
      const longest = longestPart(p.familyName);
      if (longest.length < 5) return undefined;
      return `${p.givenName} ${p.familyName.replace(longest, typo(longest))}`;
    },
    'typo in given name': (p) => {
      const first = firstPart(p.givenName);
      if (first.length < 5) return undefined;
      return `${p.givenName.replace(first, typo(first))} ${p.familyName}`;
    },
    'typo in both names': (p) => {
      const first = firstPart(p.givenName);
      const longest = longestPart(p.familyName);
      if (first.length < 5 || longest.length < 5) return undefined;
      return `${p.givenName.replace(first, typo(first))} ${p.familyName.replace(longest, typo(longest))}`;
    },
    'one of two given names': (p) => {
      const given = p.givenName.split(' ');
      return given.length > 1 ? `${faker.helpers.arrayElement(given)} ${p.familyName}` : undefined;
    },
    'initial and family name': (p) => {
      const initial = fold(p.givenName)[0]![0]!;
      return relativeBeginning(p, initial) ? undefined : `${initial} ${p.familyName}`;
    },
    'family name only': (p) => (relativeBeginning(p, '') ? undefined : p.familyName),
    'beginning of given name': (p) => {
      const first = fold(p.givenName)[0]!;
      if (first.length < 5) return undefined;
      const prefix = first.slice(0, faker.number.int({ min: 3, max: first.length - 1 }));
      return relativeBeginning(p, prefix) ? undefined : `${prefix} ${p.familyName}`;
    },
    'name and birth date': (p) => `${p.givenName} ${p.familyName} ${date(p.birthDate, faker.datatype.boolean(0.5))}`,
    'family and birth date': (p) => `${p.familyName} ${date(p.birthDate, faker.datatype.boolean(0.5))}`,
    MRN: (p) => (faker.datatype.boolean() ? p.mrn : p.mrn.toLowerCase()),
  };
  const needsNoDate = new Set(['name and birth date', 'family and birth date', 'MRN']);
  /** The query of `kind` meaning `person`, when there is one with one right answer. */
  const queryOf = (kind: string, person: EvaluationPerson): string | undefined => {
    // A namesake can only be meant with a date (or its MRN).
    if (isNamesake(person) && !needsNoDate.has(kind)) return undefined;
    const query = kinds[kind]!(person);
    if (!query) return undefined;
    const words = fold(query).filter((word) => !/\d/.test(word));
    if (kind.startsWith('typo')) return closest(words, person) ? query : undefined;
    if (kind === 'one of two given names') {
      // Right only when no one else has every word of it as whole name parts.
      const rival = people.some(
        (other) =>
          other !== person &&
          words.every((word) => [...fold(other.givenName), ...fold(other.familyName)].includes(word)),
      );
      return rival ? undefined : query;
    }
    if (kind === 'family name only' || kind === 'initial and family name') return query;
    if (kind === 'family and birth date') {
      const family = fold(person.familyName).join(' ');
      const rival = people.some(
        (other) =>
          other !== person && fold(other.familyName).join(' ') === family && other.birthDate === person.birthDate,
      );
      return rival ? undefined : query;
    }
    if (needsNoDate.has(kind) || kind.startsWith('beginning')) return query;
    return onlyOne(words, person) ? query : undefined;
  };
  // The kinds in turn, each with its own order of people, each person meant once: every kind gets
  // its share, as far as the people allow (few names have a letter to transliterate).
  const names = Object.keys(kinds);
  const pools = names.map(() => faker.helpers.shuffle([...people]));
  const meant = new Set<EvaluationPerson>();
  for (let added = true; added && queries.length < QUERIES; ) {
    added = false;
    for (const [index, kind] of names.entries()) {
      const pool = pools[index]!;
      while (pool.length && queries.length < QUERIES) {
        const person = pool.pop()!;
        if (meant.has(person)) continue;
        const query = queryOf(kind, person);
        if (!query) continue;
        queries.push({ query, expected: person.key, kind });
        meant.add(person);
        added = true;
        break;
      }
    }
  }
  return {
    description:
      'HealthSync search evaluation set: look-alike people and labelled clinician queries (scripts/search-evaluation/generate.ts).',
    people,
    queries,
  };
}
