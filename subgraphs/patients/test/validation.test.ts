// @ts-nocheck
import { jest } from '@jest/globals';
import {
  hasControlCharacters,
  isCalendarDate,
  isStorableDate,
  isUtcTimestamp,
  LIMITS,
  normaliseMrn,
  validateChanges,
  validateDraft,
} from '../src/patients/validation.js';

const draft = (fields: Record<string, unknown> = {}) => ({ givenName: 'Ana', familyName: 'Silva', ...fields });

/** What `run` threw (undefined when it did not). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Expects BAD_USER_INPUT naming `field`, with exactly `message` when given. */
function expectRefused(run: () => unknown, field: string, message?: string) {
  expect(thrown(run)).toMatchObject({
    ...(message === undefined ? {} : { message }),
    extensions: { code: 'BAD_USER_INPUT', field },
  });
}

const a = (length: number) => 'a'.repeat(length);

afterEach(() => {
  jest.useRealTimers();
});

describe('birth dates', () => {
  test.each(['1990-02-30', '2023-02-29', '2023-13-01', '2023-04-31', '1990-2-3'])(
    'the write path refuses %s as a birth date, naming the field',
    (birthDate) => {
      expectRefused(() => validateDraft(draft({ birthDate })), 'birthDate', 'birthDate must be a date (YYYY-MM-DD)');
    },
  );

  test.each(['2024-02-29', '1990-02-28', '2000-12-31', '1850-01-01'])(
    'the write path accepts the real day %s',
    (birthDate) => {
      expect(validateDraft(draft({ birthDate })).birthDate).toBe(birthDate);
    },
  );

  test('no birth date is none', () => {
    expect(validateDraft(draft()).birthDate).toBeNull();
    expect(validateDraft(draft({ birthDate: null })).birthDate).toBeNull();
  });

  test('not before 1850', () => {
    expectRefused(
      () => validateDraft(draft({ birthDate: '1849-12-31' })),
      'birthDate',
      'birthDate must not be before 1850-01-01',
    );
  });

  test("today is today where it is latest on Earth (UTC+14): a newborn's date is never in the future", () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T10:00:00Z') });
    expect(validateDraft(draft({ birthDate: '2030-01-02' })).birthDate).toBe('2030-01-02');
    expectRefused(
      () => validateDraft(draft({ birthDate: '2030-01-03' })),
      'birthDate',
      'birthDate must not be in the future',
    );
  });
});

describe('deceasedAt', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T12:00:00Z') });
  });

  test('is kept when it is a real moment, not in the future (a minute of clock skew allowed)', () => {
    const at = new Date('2030-01-01T12:01:00Z');
    expect(validateDraft(draft({ deceasedAt: at })).deceasedAt).toBe(at);
    expect(validateDraft(draft({ deceasedAt: null })).deceasedAt).toBeNull();
    expect(validateDraft(draft()).deceasedAt).toBeNull();
    expectRefused(
      () => validateDraft(draft({ deceasedAt: new Date('2030-01-01T12:01:01Z') })),
      'deceasedAt',
      'deceasedAt must not be in the future',
    );
    expectRefused(
      () => validateDraft(draft({ deceasedAt: new Date('not a date') })),
      'deceasedAt',
      'deceasedAt must be a date-time',
    );
  });

  test('not before the birth date, compared by calendar date where it is latest on Earth', () => {
    // 10:00 UTC on 1 January is already 2 January at UTC+14: a death on the day of birth.
    const sameDay = new Date('2030-01-01T10:00:00Z');
    expect(validateDraft(draft({ birthDate: '2030-01-02', deceasedAt: sameDay })).deceasedAt).toBe(sameDay);
    expectRefused(
      () => validateDraft(draft({ birthDate: '2030-01-02', deceasedAt: new Date('2030-01-01T09:59:59Z') })),
      'deceasedAt',
      'deceasedAt must not be before birthDate',
    );
    expectRefused(
      () => validateDraft(draft({ birthDate: '1990-05-01', deceasedAt: new Date('1980-01-01T00:00:00Z') })),
      'deceasedAt',
    );
  });
});

describe('names', () => {
  test('are trimmed, inner whitespace collapsed', () => {
    expect(validateDraft(draft({ givenName: '  Ana \t Maria\n', familyName: ' Silva ' }))).toMatchObject({
      givenName: 'Ana Maria',
      familyName: 'Silva',
    });
  });

  test.each(['givenName', 'familyName'])('%s: at most 100 characters, never empty or null', (field) => {
    expect(validateDraft(draft({ [field]: a(LIMITS.name) }))[field]).toBe(a(100));
    expectRefused(() => validateDraft(draft({ [field]: a(101) })), field, `${field} must be at most 100 characters`);
    expectRefused(() => validateDraft(draft({ [field]: ' \t ' })), field, `${field} must not be empty`);
    expectRefused(() => validateDraft(draft({ [field]: null })), field, `${field} must not be null`);
  });

  test.each(['\u0000', '\u0007', '\u001f', '\u007f', '\u0080', '\u0085', '\u0092', '\u009b', '\u009f'])(
    'a control character (%j) is refused',
    (control) => {
      expectRefused(
        () => validateDraft(draft({ givenName: `An${control}a` })),
        'givenName',
        'givenName must not contain control characters',
      );
    },
  );

  test('gender is UNKNOWN unless given', () => {
    expect(validateDraft(draft()).gender).toBe('UNKNOWN');
    expect(validateDraft(draft({ gender: 'FEMALE' })).gender).toBe('FEMALE');
  });
});

describe('normaliseMrn', () => {
  test('upper-cases and trims; 1 to 32 letters, digits or hyphens, starting with a letter or digit', () => {
    expect(normaliseMrn(' ab-12 ')).toBe('AB-12');
    expect(normaliseMrn('7')).toBe('7');
    expect(normaliseMrn('A'.repeat(LIMITS.mrn))).toBe('A'.repeat(32));
    for (const bad of ['', '   ', 'A'.repeat(33), '-AB', 'A B', 'AB_1', 'AB!', '!AB', 'É1'])
      expectRefused(
        () => normaliseMrn(bad),
        'mrn',
        'mrn must be 1 to 32 letters, digits or hyphens, starting with a letter or digit',
      );
    expectRefused(() => normaliseMrn('a b', 'identifier'), 'identifier');
  });
});

describe('date and time checks', () => {
  test('isCalendarDate: YYYY-MM-DD naming a real day of years 1 to 9999', () => {
    for (const good of ['0001-01-01', '2024-02-29', '9999-12-31']) expect(isCalendarDate(good)).toBe(true);
    for (const bad of ['0000-01-01', '2023-02-29', 'x2024-01-01', '2024-01-01x', '2024-1-01', '20240101', ''])
      expect([bad, isCalendarDate(bad)]).toEqual([bad, false]);
  });

  test('isUtcTimestamp: a real UTC moment, up to 6 fraction digits', () => {
    for (const good of ['2024-01-01T00:00:00Z', '2024-02-29T23:59:59.123456Z', '2024-01-01T12:30:00.5Z'])
      expect([good, isUtcTimestamp(good)]).toEqual([good, true]);
    for (const bad of [
      '2024-01-01T00:00:00.1234567Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2023-02-29T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01T00:00:00+01:00',
      'x2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00Zx',
      '2024-01-01 00:00:00Z',
    ])
      expect([bad, isUtcTimestamp(bad)]).toEqual([bad, false]);
  });

  test('isStorableDate: years 1 to 9999 only', () => {
    for (const good of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])
      expect([good, isStorableDate(new Date(good))]).toEqual([good, true]);
    const year0 = new Date('0001-01-01T00:00:00Z');
    year0.setUTCFullYear(0);
    const year10000 = new Date('9999-12-31T23:59:59Z');
    year10000.setUTCFullYear(10_000);
    for (const bad of [year0, year10000, new Date('nonsense')]) expect(isStorableDate(bad)).toBe(false);
  });

  test('hasControlCharacters', () => {
    expect(hasControlCharacters('a\u0000b')).toBe(true);
    expect(hasControlCharacters('\u007f')).toBe(true);
    expect(hasControlCharacters('plain text ~ é')).toBe(false);
    // C1 controls too; the characters either side of them are text.
    expect(hasControlCharacters('O\u0092Brien')).toBe(true);
    expect(hasControlCharacters('\u009b31m')).toBe(true);
    expect(hasControlCharacters('~\u00a0\u00a1 Zoë')).toBe(false);
  });
});

describe('email and phone', () => {
  test('email: optional, trimmed, one @ between non-blank parts, at most 254 characters', () => {
    for (const none of [null, undefined, '', '   ']) expect(validateDraft(draft({ email: none })).email).toBeNull();
    expect(validateDraft(draft({ email: ' ana@example.org ' })).email).toBe('ana@example.org');
    const longest = `${a(250)}@b.c`;
    expect(validateDraft(draft({ email: longest })).email).toBe(longest);
    expectRefused(
      () => validateDraft(draft({ email: `a${longest}` })),
      'email',
      'email must be at most 254 characters',
    );
    for (const bad of ['ana', 'ana@', '@example.org', 'a@b@c', 'x ana@example.org', 'ana@example.org x'])
      expectRefused(() => validateDraft(draft({ email: bad })), 'email', 'email must be an email address');
  });

  test('phone: optional, trimmed, E.164', () => {
    for (const none of [null, undefined, '', '  ']) expect(validateDraft(draft({ phone: none })).phone).toBeNull();
    expect(validateDraft(draft({ phone: ' +14155550123 ' })).phone).toBe('+14155550123');
    expect(validateDraft(draft({ phone: '+12' })).phone).toBe('+12');
    expect(validateDraft(draft({ phone: '+123456789012345' })).phone).toBe('+123456789012345');
    for (const bad of ['+1', '+0123', '14155550123', '+1234567890123456', 'x+14155550123', '+14155550123x', '+1 415'])
      expectRefused(
        () => validateDraft(draft({ phone: bad })),
        'phone',
        'phone must be an E.164 number such as +14155550123',
      );
  });
});

describe('address', () => {
  test('none, or nothing in it, is none', () => {
    expect(validateDraft(draft({ address: null })).address).toBeNull();
    expect(validateDraft(draft({ address: {} })).address).toBeNull();
    expect(validateDraft(draft({ address: { line: ['', '  '], city: ' ', country: null } })).address).toBeNull();
  });

  test.each([
    [{ line: [' 1 Main St '] }, { line: ['1 Main St'], city: null, state: null, postalCode: null, country: null }],
    [{ city: 'Porto' }, { line: [], city: 'Porto', state: null, postalCode: null, country: null }],
    [{ state: 'CA' }, { line: [], city: null, state: 'CA', postalCode: null, country: null }],
    [{ postalCode: '4000' }, { line: [], city: null, state: null, postalCode: '4000', country: null }],
    [{ country: 'PT' }, { line: [], city: null, state: null, postalCode: null, country: 'PT' }],
  ])('one part is an address: %j', (address, expected) => {
    expect(validateDraft(draft({ address })).address).toEqual(expected);
  });

  test('at most 4 lines of 200 characters; parts of 100, a postal code of 20', () => {
    const full = {
      line: ['', a(200), a(200), a(200), a(200)],
      city: a(100),
      state: a(100),
      postalCode: a(20),
      country: a(100),
    };
    expect(validateDraft(draft({ address: full })).address.line).toHaveLength(4);
    expectRefused(
      () => validateDraft(draft({ address: { line: ['1', '2', '3', '4', '5'] } })),
      'address.line',
      'address.line must have at most 4 lines',
    );
    expectRefused(() => validateDraft(draft({ address: { line: ['1', a(201)] } })), 'address.line[1]');
    for (const [part, max] of [
      ['city', 100],
      ['state', 100],
      ['postalCode', 20],
      ['country', 100],
    ])
      expectRefused(
        () => validateDraft(draft({ address: { [part]: a(max + 1) } })),
        `address.${part}`,
        `address.${part} must be at most ${max} characters`,
      );
  });
});

describe('identifiers', () => {
  const identifier = (i: number) => ({ system: `urn:system:${i}`, value: `v${i}` });

  test('none is an empty list; at most 20, each trimmed', () => {
    expect(validateDraft(draft()).identifiers).toEqual([]);
    expect(validateDraft(draft({ identifiers: null })).identifiers).toEqual([]);
    const twenty = Array.from({ length: LIMITS.identifiers }, (_, i) => identifier(i));
    expect(validateDraft(draft({ identifiers: twenty })).identifiers).toEqual(twenty);
    expectRefused(
      () => validateDraft(draft({ identifiers: [...twenty, identifier(20)] })),
      'identifiers',
      'identifiers must have at most 20 entries',
    );
    expect(validateDraft(draft({ identifiers: [{ system: ' urn:a ', value: ' x  y ' }] })).identifiers).toEqual([
      { system: 'urn:a', value: 'x y' },
    ]);
  });

  test('a system is a URI of at most 255 characters, once per patient; a value at most 100', () => {
    const longestSystem = `urn:${a(251)}`;
    expect(validateDraft(draft({ identifiers: [{ system: longestSystem, value: a(100) }] })).identifiers[0]).toEqual({
      system: longestSystem,
      value: a(100),
    });
    expectRefused(
      () => validateDraft(draft({ identifiers: [{ system: `${longestSystem}a`, value: 'x' }] })),
      'identifiers[0].system',
      'identifiers[0].system must be at most 255 characters',
    );
    expectRefused(
      () => validateDraft(draft({ identifiers: [{ system: 'urn:a', value: a(101) }] })),
      'identifiers[0].value',
      'identifiers[0].value must be at most 100 characters',
    );
    for (const bad of ['not a uri', '1abc:x', 'http:', 'urn:a b', '-urn:a', 'ur n:a'])
      expectRefused(
        () => validateDraft(draft({ identifiers: [identifier(0), { system: bad, value: 'x' }] })),
        'identifiers[1].system',
        'identifiers[1].system must be a URI',
      );
    expectRefused(
      () => validateDraft(draft({ identifiers: [identifier(0), { ...identifier(0), value: 'other' }] })),
      'identifiers[1].system',
      'identifiers[1].system: a patient has at most one identifier per system',
    );
    expectRefused(
      () => validateDraft(draft({ identifiers: [{ system: null, value: 'x' }] })),
      'identifiers[0].system',
      'identifiers[0].system must not be empty',
    );
    expectRefused(
      () => validateDraft(draft({ identifiers: [{ system: 'urn:a', value: null }] })),
      'identifiers[0].value',
      'identifiers[0].value must not be empty',
    );
  });
});

describe('validateChanges', () => {
  const current = () =>
    validateDraft(
      draft({
        gender: 'MALE',
        birthDate: '1990-05-01',
        email: 'ana@example.org',
        phone: '+14155550123',
        address: { city: 'Porto' },
        identifiers: [{ system: 'urn:a', value: '1' }],
      }),
    );

  test('absent or undefined fields stay; null clears an optional one', () => {
    expect(validateChanges(current(), {})).toEqual(current());
    expect(validateChanges(current(), { email: undefined, givenName: undefined })).toEqual(current());
    expect(
      validateChanges(current(), {
        birthDate: null,
        deceasedAt: null,
        email: null,
        phone: null,
        address: null,
        identifiers: null,
      }),
    ).toEqual({ ...current(), birthDate: null, email: null, phone: null, address: null, identifiers: [] });
  });

  test('each field changes on its own', () => {
    const changes = {
      givenName: 'Bia',
      familyName: 'Costa',
      gender: 'FEMALE',
      birthDate: '1991-06-02',
      deceasedAt: new Date('2020-01-01T00:00:00Z'),
      email: 'bia@example.org',
      phone: '+351912345678',
      address: { city: 'Lisboa' },
      identifiers: [{ system: 'urn:b', value: '2' }],
    };
    for (const [key, value] of Object.entries(changes)) {
      const changed = validateChanges(current(), { [key]: value });
      expect([key, changed[key]]).toEqual([key, key === 'address' ? expect.objectContaining(value) : value]);
      const rest = Object.keys(changes).filter((other) => other !== key);
      for (const other of rest) expect([other, changed[other]]).toEqual([other, current()[other]]);
    }
  });

  test('required fields cannot be cleared', () => {
    for (const field of ['givenName', 'familyName', 'gender'])
      expectRefused(() => validateChanges(current(), { [field]: null }), field, `${field} must not be null`);
  });

  test('the result is validated as a whole: death after birth either way round', () => {
    expectRefused(
      () => validateChanges(current(), { deceasedAt: new Date('1980-01-01T00:00:00Z') }),
      'deceasedAt',
      'deceasedAt must not be before birthDate',
    );
    const died = validateChanges(current(), { deceasedAt: new Date('2000-01-01T00:00:00Z') });
    expectRefused(() => validateChanges(died, { birthDate: '2001-01-01' }), 'deceasedAt');
  });
});
