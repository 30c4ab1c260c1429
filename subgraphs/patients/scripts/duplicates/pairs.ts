/**
 * The labelled duplicate evaluation (issue 17): a population of people (faker, seeded) and pairs
 * of records made from some of them, each labelled. The same person entered twice: with a
 * nickname, with a typo in a name, with day and month of the birth date swapped, after moving
 * house (new address, phone and email), with a nickname after moving, with only an identifier
 * written another way and an initial, and two harder ones: two mistakes at once (a typo and a
 * swapped date) and a new family name (marriage) with the same home. Two people who look alike: namesakes born years apart,
 * twins (same family, birth date and home), a parent and child of one name and home, strangers of
 * one given name and birth date, and one name and birth date with two different SSNs. Generated,
 * not committed: the same seed and faker version make the same set.
 */
import { base, en, Faker } from '@faker-js/faker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { nicknameGroups } from '../../src/patients/nicknames.js';

export const SSN = 'urn:oid:2.16.840.1.113883.4.1';

export interface DuplicatePerson {
  key: string;
  givenName: string;
  familyName: string;
  gender: 'MALE' | 'FEMALE';
  birthDate: string | null;
  phone: string | null;
  email: string | null;
  address: { line: string[]; city: string; state: string; postalCode: string } | null;
  ssn: string | null;
}

export interface LabelledPair {
  kind: string;
  /** The record whose candidates are looked at. */
  probe: string;
  /** The record it is compared with. */
  other: string;
  /** One person (true), or two who look alike (false). */
  same: boolean;
}

export interface DuplicateSet {
  people: DuplicatePerson[];
  pairs: LabelledPair[];
}

export const SAME_KINDS = [
  'nickname',
  'typo',
  'swapped date',
  'moved house',
  'nickname, moved',
  'identifier only',
  'typo and swapped date',
  'new family name',
];
export const LOOKALIKE_KINDS = ['namesake', 'twin', 'parent and child', 'same birthday', 'other SSN'];

const pad = (n: number) => String(n).padStart(2, '0');
const capitalise = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * `pairsPerKind` pairs of each kind, among `background` other people. Every record is its own
 * person except as its pair says: the names of the population are drawn so that no two of them
 * share a full name and a birth date.
 */
export function generateDuplicateSet({ seed = 17, pairsPerKind = 60, background = 2000 } = {}): DuplicateSet {
  const faker = new Faker({ locale: [en, base], seed });
  const people: DuplicatePerson[] = [];
  const pairs: LabelledPair[] = [];
  let serial = 0;
  const birthDate = (from = 1930, to = 2020) => {
    const date = faker.date.between({ from: `${from}-01-01T00:00:00Z`, to: `${to}-12-31T00:00:00Z` });
    return date.toISOString().slice(0, 10);
  };
  const ssn = () =>
    `${faker.string.numeric({ length: 3, allowLeadingZeros: false })}-${faker.string.numeric(2)}-${faker.string.numeric(4)}`;
  const phone = () => `+1${faker.helpers.arrayElement(['415', '212', '617', '312'])}555${faker.string.numeric(4)}`;
  const address = () => ({
    line: [faker.location.streetAddress()],
    city: faker.location.city(),
    state: faker.location.state({ abbreviated: true }),
    postalCode: faker.location.zipCode('#####'),
  });
  const person = (overrides: Partial<DuplicatePerson> = {}): DuplicatePerson => {
    const gender = faker.helpers.arrayElement(['MALE', 'FEMALE'] as const);
    const givenName = faker.person.firstName(gender === 'MALE' ? 'male' : 'female');
    const familyName = faker.person.lastName();
    const record: DuplicatePerson = {
      givenName,
      familyName,
      gender,
      birthDate: birthDate(),
      phone: faker.datatype.boolean(0.7) ? phone() : null,
      email: faker.datatype.boolean(0.5) ? faker.internet.email({ firstName: givenName, lastName: familyName }) : null,
      address: faker.datatype.boolean(0.8) ? address() : null,
      ssn: faker.datatype.boolean(0.4) ? ssn() : null,
      ...overrides,
      key: `p${++serial}`,
    };
    people.push(record);
    return record;
  };
  /** The same person entered again: what `changes` says differs, and no SSN unless it says one. */
  const copy = (of: DuplicatePerson, changes: Partial<DuplicatePerson>) => person({ ...of, ssn: null, ...changes });
  const pair = (kind: string, other: DuplicatePerson, probe: DuplicatePerson, same: boolean) =>
    pairs.push({ kind, probe: probe.key, other: other.key, same });

  const typo = (name: string) => {
    const word = name.toLowerCase();
    const at = faker.number.int({ min: 1, max: word.length - 2 });
    const edit = faker.helpers.arrayElement(['swap', 'drop', 'double', 'replace']);
    const letters = [...word];
    if (edit === 'swap') [letters[at], letters[at + 1]] = [letters[at + 1]!, letters[at]!];
    else if (edit === 'drop') letters.splice(at, 1);
    else if (edit === 'double') letters.splice(at, 0, letters[at]!);
    else letters[at] = faker.helpers.arrayElement([...'aeiouy'].filter((c) => c !== letters[at]));
    return capitalise(letters.join(''));
  };
  const groups = nicknameGroups().filter((group) => group.length > 1);
  const nicknamed = () => {
    const group = faker.helpers.arrayElement(groups);
    return { formal: capitalise(group[0]!), nickname: capitalise(faker.helpers.arrayElement(group.slice(1))) };
  };

  for (let i = 0; i < pairsPerKind; i++) {
    // The same person twice.
    const names = nicknamed();
    const a = person({ givenName: names.formal });
    pair('nickname', a, copy(a, { givenName: names.nickname, phone: a.phone, email: null }), true);

    const b = person({ familyName: faker.person.lastName() });
    const misspelt = faker.datatype.boolean(0.7)
      ? { familyName: b.familyName.length >= 5 ? typo(b.familyName) : `${b.familyName}e` }
      : { givenName: b.givenName.length >= 4 ? typo(b.givenName) : `${b.givenName}h` };
    pair('typo', b, copy(b, { ...misspelt, email: null }), true);

    const [year, month] = [faker.number.int({ min: 1930, max: 2020 }), faker.number.int({ min: 1, max: 12 })];
    const day = faker.helpers.arrayElement([...Array(12).keys()].map((d) => d + 1).filter((d) => d !== month));
    const c = person({ birthDate: `${year}-${pad(month)}-${pad(day)}` });
    pair('swapped date', c, copy(c, { birthDate: `${year}-${pad(day)}-${pad(month)}` }), true);

    const d = person();
    pair('moved house', d, copy(d, { address: address(), phone: phone(), email: null }), true);

    const moved = nicknamed();
    const e = person({ givenName: moved.formal });
    pair(
      'nickname, moved',
      e,
      copy(e, { givenName: moved.nickname, address: address(), phone: null, email: null }),
      true,
    );

    const f = person({ ssn: ssn() });
    pair(
      'identifier only',
      f,
      copy(f, {
        givenName: f.givenName.charAt(0),
        birthDate: null,
        phone: null,
        email: null,
        address: null,
        ssn: f.ssn!.replace(/-/g, ''),
      }),
      true,
    );

    const [year2, month2] = [faker.number.int({ min: 1930, max: 2020 }), faker.number.int({ min: 1, max: 12 })];
    const day2 = faker.helpers.arrayElement([...Array(12).keys()].map((d) => d + 1).filter((d) => d !== month2));
    const o = person({ birthDate: `${year2}-${pad(month2)}-${pad(day2)}`, familyName: faker.person.lastName() });
    pair(
      'typo and swapped date',
      o,
      copy(o, {
        familyName: o.familyName.length >= 5 ? typo(o.familyName) : `${o.familyName}e`,
        birthDate: `${year2}-${pad(day2)}-${pad(month2)}`,
      }),
      true,
    );

    const q = person();
    pair('new family name', q, copy(q, { familyName: faker.person.lastName(), email: null }), true);

    // Two people who look alike.
    const g = person();
    const year1 = Number(g.birthDate!.slice(0, 4));
    pair(
      'namesake',
      g,
      person({
        givenName: g.givenName,
        familyName: g.familyName,
        gender: g.gender,
        birthDate: birthDate(year1 > 1975 ? 1930 : year1 + 8, year1 > 1975 ? year1 - 8 : 2020),
      }),
      false,
    );

    const h = person();
    pair(
      'twin',
      h,
      person({
        familyName: h.familyName,
        birthDate: h.birthDate,
        address: h.address,
        phone: h.phone,
        givenName: faker.person.firstName(),
      }),
      false,
    );

    const k = person({ birthDate: birthDate(1930, 1985) });
    pair(
      'parent and child',
      k,
      person({
        givenName: k.givenName,
        familyName: k.familyName,
        gender: k.gender,
        address: k.address,
        phone: k.phone,
        birthDate: birthDate(Number(k.birthDate!.slice(0, 4)) + 20, Number(k.birthDate!.slice(0, 4)) + 35),
      }),
      false,
    );

    const m = person();
    pair('same birthday', m, person({ givenName: m.givenName, gender: m.gender, birthDate: m.birthDate }), false);

    const n = person({ ssn: ssn() });
    pair(
      'other SSN',
      n,
      person({
        givenName: n.givenName,
        familyName: n.familyName,
        birthDate: n.birthDate,
        gender: n.gender,
        ssn: ssn(),
      }),
      false,
    );
  }
  for (let i = 0; i < background; i++) person();
  return { people, pairs };
}

/** Inserts the set's people (2,000 a statement, under the service's statement timeout); returns patient id by person key. */
export async function insertDuplicatePeople(
  em: EntityManager,
  people: DuplicatePerson[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let start = 0; start < people.length; start += 2000) {
    const rows = people.slice(start, start + 2000).map((person) => ({
      ...person,
      mrn: `MRN-EVAL-${person.key}`,
      identifiers: person.ssn ? [{ system: SSN, value: person.ssn }] : [],
    }));
    const inserted = await em.execute<{ id: string; mrn: string }[]>(
      `INSERT INTO patients.patient (id, mrn, given_name, family_name, gender, birth_date, phone, email, address, identifiers, created_at, updated_at)
       SELECT gen_random_uuid(), r.mrn, r."givenName", r."familyName", r.gender, r."birthDate"::date, r.phone, r.email, r.address, r.identifiers, now(), now()
       FROM jsonb_to_recordset(?::jsonb) AS r(mrn text, "givenName" text, "familyName" text, gender text, "birthDate" text,
         phone text, email text, address jsonb, identifiers jsonb)
       RETURNING id, mrn`,
      [JSON.stringify(rows)],
    );
    const idOfMrn = new Map(inserted.map((row) => [row.mrn, row.id]));
    for (const row of rows) ids.set(row.key, idOfMrn.get(row.mrn)!);
    const identifiers = rows
      .filter((row) => row.ssn)
      .map((row) => ({ patient: ids.get(row.key), system: SSN, value: row.ssn }));
    if (identifiers.length)
      await em.execute(
        `INSERT INTO patients.patient_identifier (system, value, patient_id)
         SELECT r.system, r.value, r.patient FROM jsonb_to_recordset(?::jsonb) AS r(system text, value text, patient uuid)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(identifiers)],
      );
  }
  await em.execute('ANALYZE patients.patient');
  await em.execute('ANALYZE patients.patient_identifier');
  return ids;
}
