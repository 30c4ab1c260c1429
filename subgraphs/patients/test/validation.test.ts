import { BadUserInputError } from '@healthsync/orm';
import { validateDraft } from '../src/patients/validation.js';

const draft = (birthDate: string) => ({ givenName: 'Ana', familyName: 'Silva', birthDate });

test.each(['1990-02-30', '2023-02-29', '2023-13-01', '2023-04-31', '1990-2-3'])(
  'the write path refuses %s as a birth date, naming the field',
  (birthDate) => {
    expect(() => validateDraft(draft(birthDate))).toThrow(BadUserInputError);
    try {
      validateDraft(draft(birthDate));
    } catch (error) {
      expect((error as BadUserInputError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'birthDate' });
    }
  },
);

test.each(['2024-02-29', '1990-02-28', '2000-12-31'])('the write path accepts the real day %s', (birthDate) => {
  expect(validateDraft(draft(birthDate)).birthDate).toBe(birthDate);
});
