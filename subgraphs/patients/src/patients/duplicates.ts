/**
 * Duplicate candidates: other active records that may be the same person as a given one.
 *
 * Two steps, as master patient indexes do them (HAPI FHIR's MDM, FHIR `$match`). Blocking: one
 * SQL statement gathers the few records that share something with the patient, each kind through
 * its own index (the `patient_duplicate_*` indexes of the migrations): the birth date or
 * that date with day and month swapped, a family name that sounds the same (Double Metaphone)
 * born within a year, a full name that sounds the same (the given name or one of its nicknames)
 * whatever the birth date, the phone, the email, an identifier written the same once
 * punctuation is gone. Scoring: each comparison adds evidence
 * for or against (a log-likelihood weight, as in Fellegi–Sunter record linkage), and the sum
 * becomes a score in [0, 1] through the logistic function. Each weight that counted is also a
 * reason, in words.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Patient } from '../entities.js';
import { areNicknames, nicknamesOf } from './nicknames.js';

export interface DuplicateCandidate {
  patient: Patient;
  score: number;
  reasons: string[];
}

/** The score from which two records are likely one person (createPatient's `possibleDuplicates`). */
export const LIKELY_DUPLICATE = 0.8;
/** Below this a candidate is not listed at all (a namesake born years apart, say). */
const LISTED_FROM = 0.1;
export const MAX_CANDIDATES = 50;

/**
 * Evidence weights (log odds). Chosen on the labelled evaluation (scripts/duplicates/evaluate.ts):
 * what is rare between two different people counts for, what a real duplicate rarely shows counts
 * against. Two records start at PRIOR: most pairs that blocking finds are different people.
 */
export const WEIGHTS = {
  prior: -6,
  sameIdentifier: 14,
  otherIdentifier: -7,
  sameBirthDate: 4,
  swappedBirthDate: 2.5,
  birthDateTypo: 2,
  birthDateClose: -1,
  bornYearsApart: -3.5,
  sameFamily: 3,
  likeFamily: 2,
  otherFamily: -1.5,
  sameGiven: 2.5,
  nickname: 2,
  likeGiven: 1.5,
  initial: 0.8,
  otherGiven: -4.5,
  namesSwapped: 4.5,
  samePhone: 2.5,
  sameEmail: 2.5,
  sameAddress: 1.5,
  samePostalCode: 0.5,
  otherGender: -2,
} as const;

/** How many of each kind blocking may bring (the trigram neighbours are the nearest ones). */
const BLOCK = { birthDate: 200, sound: 100, names: 50, contact: 50 } as const;

interface CandidateRow {
  id: string;
  given: string;
  family: string;
  given_similarity: number;
  family_similarity: number;
  given_sound: boolean;
  family_sound: boolean;
  /** The subject's names folded (the same on every row). */
  subject_given: string;
  subject_family: string;
}

/** `YYYY-MM-DD` with day and month swapped, when that is another valid date. */
export function swappedDate(date: string): string | null {
  const [year, month, day] = date.split('-');
  if (!year || !month || !day || month === day || Number(day) > 12) return null;
  const swapped = `${year}-${day}-${month}`;
  const check = new Date(`${swapped}T00:00:00Z`);
  return check.toISOString().startsWith(swapped) ? swapped : null;
}

/** An identifier value as compared: lower case, letters and digits only (123-45-6789 is 123456789). */
const identifierKey = (value: string) => value.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Levenshtein distance, stopping early past `limit` (names are short). */
function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Alike in spelling (trigrams, or one or two edits in a longer name) or in sound. */
function alike(a: string, b: string, similarity: number, sound: boolean): 'spelling' | 'sound' | null {
  if (similarity >= 0.5 || editDistance(a, b) <= (Math.min(a.length, b.length) >= 5 ? 2 : 1)) return 'spelling';
  return sound ? 'sound' : null;
}

const firstWord = (name: string) => name.split(' ')[0] ?? name;

/** The evidence of one pair: a weight and a reason per comparison that says something. */
function compare(subject: Patient, candidate: Patient, row: CandidateRow) {
  const evidence: { weight: number; reason: string }[] = [];
  const add = (weight: number, reason: string) => evidence.push({ weight, reason });

  for (const mine of subject.identifiers) {
    const theirs = candidate.identifiers.find((identifier) => identifier.system === mine.system);
    if (!theirs) continue;
    if (identifierKey(theirs.value) === identifierKey(mine.value))
      add(WEIGHTS.sameIdentifier, `same identifier of ${mine.system}`);
    else add(WEIGHTS.otherIdentifier, `different identifier of ${mine.system}: likely two people`);
  }

  const given = { mine: row.subject_given, theirs: row.given };
  const family = { mine: row.subject_family, theirs: row.family };
  if (given.mine !== given.theirs && given.mine === family.theirs && family.mine === given.theirs) {
    add(WEIGHTS.namesSwapped, 'given and family names swapped');
  } else {
    if (family.mine === family.theirs) add(WEIGHTS.sameFamily, 'same family name');
    else {
      const how = alike(family.mine, family.theirs, row.family_similarity, row.family_sound);
      if (how) add(WEIGHTS.likeFamily, `family name ${candidate.familyName} ~ ${subject.familyName} (${how})`);
      else add(WEIGHTS.otherFamily, 'different family name');
    }
    const [a, b] = [firstWord(given.mine), firstWord(given.theirs)];
    const display = `given name ${candidate.givenName} ~ ${subject.givenName}`;
    if (given.mine === given.theirs) add(WEIGHTS.sameGiven, 'same given name');
    else if (areNicknames(a, b)) add(WEIGHTS.nickname, `${display} (nickname)`);
    else {
      const how = alike(given.mine, given.theirs, row.given_similarity, row.given_sound);
      if (how) add(WEIGHTS.likeGiven, `${display} (${how})`);
      else if ((a.length === 1 || b.length === 1) && a[0] === b[0]) add(WEIGHTS.initial, `${display} (initial)`);
      else add(WEIGHTS.otherGiven, 'different given name');
    }
  }

  const [mine, theirs] = [subject.birthDate, candidate.birthDate];
  if (mine && theirs) {
    const [y1, m1, d1] = mine.split('-').map(Number) as [number, number, number];
    const [y2, m2, d2] = theirs.split('-').map(Number) as [number, number, number];
    const sameParts = Number(y1 === y2) + Number(m1 === m2) + Number(d1 === d2);
    if (mine === theirs) add(WEIGHTS.sameBirthDate, 'same birth date');
    else if (swappedDate(mine) === theirs) add(WEIGHTS.swappedBirthDate, 'birth date with day and month swapped');
    else if (sameParts === 2) add(WEIGHTS.birthDateTypo, `birth date ${theirs} ~ ${mine} (one part differs)`);
    else if (Math.abs(y1 - y2) <= 1) add(WEIGHTS.birthDateClose, 'different birth date');
    else add(WEIGHTS.bornYearsApart, `born ${Math.abs(y1 - y2)} years apart`);
  }

  if (subject.phone && subject.phone === candidate.phone) add(WEIGHTS.samePhone, 'same phone');
  if (subject.email && subject.email.toLowerCase() === candidate.email?.toLowerCase())
    add(WEIGHTS.sameEmail, 'same email');
  const [here, there] = [subject.address, candidate.address];
  const postal = (address: typeof here) => address?.postalCode?.toLowerCase().replace(/\s/g, '') || null;
  const line = (address: typeof here) => address?.line[0]?.toLowerCase().replace(/[^a-z0-9]/g, '') || null;
  if (postal(here) && postal(here) === postal(there)) {
    if (line(here) && line(here) === line(there)) add(WEIGHTS.sameAddress, 'same address');
    else add(WEIGHTS.samePostalCode, 'same postal code');
  }

  const known = (gender: string) => gender === 'MALE' || gender === 'FEMALE';
  if (known(subject.gender) && known(candidate.gender) && subject.gender !== candidate.gender)
    add(WEIGHTS.otherGender, 'different gender');
  return evidence;
}

/** A weight sum as a score in [0, 1], rounded to 3 places. */
const scoreOf = (weights: number) => Math.round(1000 / (1 + Math.exp(-(WEIGHTS.prior + weights)))) / 1000;

/**
 * The blocking statement for `subject`, with the name comparisons PostgreSQL does (trigrams,
 * Double Metaphone): a row per candidate, never `subject`. Exported for the bench's EXPLAIN.
 */
export function blockingStatement(subject: Patient): { sql: string; params: unknown[] } {
  const dates = subject.birthDate ? [subject.birthDate, swappedDate(subject.birthDate)].filter(Boolean) : [];
  const identifiers = subject.identifiers
    .map((identifier) => ({ system: identifier.system, key: identifierKey(identifier.value) }))
    .filter((identifier) => identifier.key);
  const names = [subject.givenName, ...nicknamesOf(firstWord(subject.givenName.toLowerCase()))];
  const fold = (param: string) => `patients.search_fold(${param})`;
  const sound = (expression: string) => `public.dmetaphone(${fold(expression)})`;
  const blocks = [
    `(SELECT p.id FROM patients.patient p WHERE p.active
       AND coalesce(p.birth_date, 'infinity'::date) = ANY (ARRAY(SELECT d::date FROM jsonb_array_elements_text(?::jsonb) d)) LIMIT ${BLOCK.birthDate})`,
    `(SELECT p.id FROM patients.patient p WHERE p.active AND ${sound('p.family_name')} = ${sound('?')}
       AND p.birth_date BETWEEN ?::date - 366 AND ?::date + 366 LIMIT ${BLOCK.sound})`,
    `(SELECT p.id FROM patients.patient p WHERE p.active AND ${sound('p.family_name')} = ${sound('?')}
       AND ${sound('p.given_name')} = ANY (ARRAY(SELECT ${sound('n')} FROM jsonb_array_elements_text(?::jsonb) n)) LIMIT ${BLOCK.names})`,
    `(SELECT p.id FROM patients.patient p WHERE p.active AND p.phone = ? LIMIT ${BLOCK.contact})`,
    `(SELECT p.id FROM patients.patient p WHERE p.active AND lower(p.email) = lower(?) LIMIT ${BLOCK.contact})`,
    // LATERAL: one index lookup per identifier (a semi-join read the whole table at 100,000).
    `(SELECT i.patient_id FROM jsonb_to_recordset(?::jsonb) AS r(system text, key text)
       CROSS JOIN LATERAL (SELECT i.patient_id FROM patients.patient_identifier i
         WHERE i.system = r.system AND regexp_replace(lower(i.value), '[^a-z0-9]', '', 'g') = r.key LIMIT ${BLOCK.contact}) i
       LIMIT ${BLOCK.contact})`,
  ];
  const params = [
    JSON.stringify(dates),
    subject.familyName,
    subject.birthDate ?? null,
    subject.birthDate ?? null,
    subject.familyName,
    JSON.stringify(names),
    subject.phone ?? null,
    subject.email ?? null,
    JSON.stringify(identifiers),
  ];
  return {
    sql: `WITH blocked AS (${blocks.join(' UNION ')})
     SELECT p.id, ${fold('p.given_name')} AS given, ${fold('p.family_name')} AS family,
       public.similarity(${fold('p.given_name')}, ${fold('?')}) AS given_similarity,
       public.similarity(${fold('p.family_name')}, ${fold('?')}) AS family_similarity,
       ${sound('p.given_name')} = ${sound('?')} AS given_sound,
       ${sound('p.family_name')} = ${sound('?')} AS family_sound,
       ${fold('?')} AS subject_given, ${fold('?')} AS subject_family
     FROM patients.patient p WHERE p.id IN (SELECT id FROM blocked) AND p.active AND p.id <> ?`,
    params: [...params, ...Array(3).fill([subject.givenName, subject.familyName]).flat(), subject.id],
  };
}

/**
 * Other active records that may be `subject`, best first (at most `first`, each with a score of
 * at least LISTED_FROM and its reasons). Never `subject` itself. Two statements: blocking, then
 * the candidates' records.
 */
export async function duplicateCandidates(
  em: EntityManager,
  subject: Patient,
  first: number,
): Promise<DuplicateCandidate[]> {
  const { sql, params } = blockingStatement(subject);
  const rows = await em.execute<CandidateRow[]>(sql, params);
  if (!rows.length) return [];
  const patients = await em.find(Patient, { id: { $in: rows.map((row) => row.id) } });
  const byId = new Map(patients.map((patient) => [patient.id, patient]));
  const candidates: DuplicateCandidate[] = [];
  for (const row of rows) {
    const patient = byId.get(row.id);
    if (!patient) continue;
    const evidence = compare(subject, patient, row);
    const score = scoreOf(evidence.reduce((sum, item) => sum + item.weight, 0));
    if (score < LISTED_FROM) continue;
    const reasons = evidence.sort((a, b) => b.weight - a.weight).map((item) => item.reason);
    candidates.push({ patient, score, reasons });
  }
  candidates.sort((a, b) => b.score - a.score || a.patient.id.localeCompare(b.patient.id));
  return candidates.slice(0, first);
}
