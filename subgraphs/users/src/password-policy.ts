/**
 * What a password must be (NIST SP 800-63B); how it is stored is argon2-parameters.ts. Nothing here imports
 * the service toolkit: the hashing process (hashing-process.ts) loads this module alone.
 */
import { type MatchExtended, ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEnglish from '@zxcvbn-ts/language-en';

const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 128;
/** What a password may not be built from, whoever chooses it. */
const SERVICE_WORDS = ['healthsync', 'health sync', 'health-sync'];

/**
 * zxcvbn-ts with every dictionary it ships in English: the ~49,000 most used and breached
 * passwords, English words, names, Wikipedia terms, keyboard layouts (spatial patterns).
 */
let zxcvbnFactory: ZxcvbnFactory | undefined;
/** Built at the first check (about a second of CPU: it ranks every dictionary), not at start. */
const zxcvbn = () =>
  (zxcvbnFactory ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEnglish.translations,
    // Its matching grows faster than the length (2 s for 128 characters here, on the event loop):
    // the first 64 characters are judged, which is more than any guessable password needs.
    maxLength: 64,
  }));
/** The shipped list of common and breached passwords, whatever their length, lower case. */
const COMMON_PASSWORDS = new Set(
  (zxcvbnCommon.dictionary as Record<string, string[]>)['passwords-common']?.map((word) => word.toLowerCase()),
);
// Stryker disable next-line all: a sanity check of the shipped package, which has the list
if (COMMON_PASSWORDS.size < 10_000) throw new Error('@zxcvbn-ts/language-common has no password list');

/** zxcvbn's score 3: about 10^8 guesses, "safely unguessable" against an online attack (which we throttle). */
const MIN_GUESSES_LOG10 = 8;

/** Whose password it is: words it may not be built from. */
export interface PasswordOwner {
  email?: string | undefined;
  name?: string | undefined;
}

/** The owner's email, its local part and domain labels, their name and its words, and the service's name. */
export function contextWords({ email, name }: PasswordOwner): string[] {
  const words = new Set(SERVICE_WORDS);
  const add = (word: string | undefined) => {
    const lower = word?.trim().toLowerCase();
    if (lower && lower.length >= 3) words.add(lower);
  };
  add(email);
  const [local, domain] = (email ?? '').split('@');
  add(local);
  // Stryker disable next-line ArrayDeclaration: split always gives an array; the fallback is for the type
  for (const part of local?.split(/[._+-]/) ?? []) add(part);
  for (const label of domain?.split('.').slice(0, -1) ?? []) add(label);
  add(name);
  // Stryker disable next-line Regex: splitting on single spaces only adds empty pieces, which add() drops
  for (const part of name?.split(/\s+/) ?? []) add(part);
  return [...words];
}

const REPETITIVE_PATTERNS = new Set(['repeat', 'sequence', 'spatial']);
const charactersIn = (matches: MatchExtended[], test: (match: MatchExtended) => boolean) =>
  matches.filter(test).reduce((sum, match) => sum + match.token.length, 0);

/**
 * NIST SP 800-63B §5.1.1.2: 12–128 characters (code points), no composition rules, and refused
 * when it is on the shipped list of common and breached passwords (as a whole, or once trailing
 * digits and symbols are stripped: `Football12345`), when it is mostly the service's name or the
 * owner's email or name, or when it is repetitive or sequential (`zzzzzzzzzzzz`, `asdfghjkl123`)
 * or otherwise guessable within 10^8 guesses (zxcvbn). Returns why it is refused (a message that
 * never repeats the password), or undefined when it is acceptable.
 */
export function passwordProblem(password: string, owner: PasswordOwner = {}): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
    return `Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`;
  const refused = (why: string) => `This password ${why}; choose another one`;
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\p{N}\p{P}\p{S}\s]+$/u, '');
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(stem))
    return refused('is on a list of common or breached passwords');
  // What is left once the service's name and the owner's own words are taken out must stand on its own.
  const words = contextWords(owner).sort((a, b) => b.length - a.length);
  const rest = words.reduce((left, word) => left.split(word).join(''), lower).replace(/[\p{P}\p{S}\s]/gu, '');
  if (rest.length < lower.replace(/[\p{P}\p{S}\s]/gu, '').length) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a rest of 6 or fewer characters never reaches 10^8 guesses (the length check spares zxcvbn the work); a float guess count equal to the bound does not occur
    if ([...rest].length < PASSWORD_MIN_LENGTH / 2 || zxcvbn().check(rest).guessesLog10 < MIN_GUESSES_LOG10)
      return refused("is built from the service's name or your own email or name");
  }
  const result = zxcvbn().check(password, words);
  const matches = result.sequence;
  // Stryker disable next-line EqualityOperator: a float guess count exactly at the bound does not occur
  if (result.guessesLog10 >= MIN_GUESSES_LOG10) return undefined;
  if (charactersIn(matches, (match) => REPETITIVE_PATTERNS.has(match.pattern)) * 2 >= length)
    return refused('is repetitive or sequential');
  if (charactersIn(matches, (match) => match.dictionaryName === 'passwords-common') * 2 >= length)
    return refused('is on a list of common or breached passwords');
  return refused('is too easy to guess (common words, names, dates or keyboard patterns)');
}
