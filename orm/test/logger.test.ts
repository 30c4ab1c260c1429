/**
 * The shared logger (orm/src/logger.ts) keeps secrets, patient fields and database errors' SQL out
 * of every line, at any depth, whatever the caller hands it.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { createLogger } from '@healthsync/orm';
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';

/** A logger at `trace` whose lines are kept, raw. */
function capture() {
  const lines: string[] = [];
  const logger = createLogger('test', 'trace', { write: (line: string) => lines.push(line) });
  return { logger, text: () => lines.join('\n'), lines: () => lines.map((line) => JSON.parse(line)) };
}

/** What knex and PostgreSQL put in a failed INSERT's error: the statement with its values, the key. */
function insertError() {
  const raw = Object.assign(
    new Error(
      `insert into "patients"."patient" ("given_name", "email") values ('Quentin', 'quentin.secret@example.org') - duplicate key value violates unique constraint "patient_mrn_unique"`,
    ),
    {
      severity: 'ERROR',
      code: '23505',
      detail: 'Key (mrn)=(MRN-SECRET-7) already exists.',
      table: 'patient',
      constraint: 'patient_mrn_unique',
      routine: '_bt_check_unique',
      parameters: ['Quentin', 'quentin.secret@example.org'],
    },
  );
  return { raw, wrapped: new UniqueConstraintViolationException(raw) };
}
const INSERTED = ['Quentin', 'quentin.secret', 'MRN-SECRET-7', 'insert into'];

test('secrets and patient fields are redacted by key, at any depth, in arrays, in child bindings', () => {
  const { logger, text, lines } = capture();
  logger.info(
    {
      req: {
        headers: { [SUBGRAPH_SECRET_HEADER]: 'subgraph-secret-1', Authorization: 'Bearer token-1', cookie: 'c-1' },
      },
      deep: { a: { b: { c: [{ refresh_token: 'refresh-1', newPassword: 'password-1', invitation: 'invite-1' }] } } },
      patient: { givenName: 'Given-1', familyName: 'Family-1', email: 'mail-1@example.org', identifiers: ['id-1'] },
      variables: { anything: 'variables-1' },
      outcome: 'success',
    },
    'request',
  );
  logger.child({ accessToken: 'access-1' }).warn('child line');
  for (const secret of ['subgraph-secret-1', 'token-1', 'c-1', 'refresh-1', 'password-1', 'invite-1', 'Given-1'])
    expect(text()).not.toContain(secret);
  for (const value of ['Family-1', 'mail-1', 'id-1', 'variables-1', 'access-1']) expect(text()).not.toContain(value);
  const [first] = lines();
  expect(first.outcome).toBe('success');
  expect(first.req.headers).toEqual({
    [SUBGRAPH_SECRET_HEADER]: '[redacted]',
    Authorization: '[redacted]',
    cookie: '[redacted]',
  });
});

test.each([
  ['as err', (error: Error) => [{ err: error }, 'import of one record failed']],
  ['as the only argument', (error: Error) => [error]],
  ['under another key', (error: Error) => [{ failure: error }, 'failed']],
  ['as the cause of another error', (error: Error) => [{ err: new Error('import failed', { cause: error }) }]],
  ['inside an AggregateError', (error: Error) => [{ err: new AggregateError([error], 'several failed') }]],
])('a database error logged %s keeps its SQLSTATE and constraint, not its SQL, values or detail', (_how, args) => {
  for (const error of Object.values(insertError())) {
    const { logger, text } = capture();
    (logger.error as (...a: unknown[]) => void)(...args(error));
    for (const value of INSERTED) expect(text()).not.toContain(value);
    expect(text()).toContain('23505');
    expect(text()).toContain('patient_mrn_unique');
  }
});

test('other errors keep their message and stack; circular values do not break a line', () => {
  const { logger, lines } = capture();
  const looped: Record<string, unknown> = { name: 'loop' };
  looped.self = looped;
  logger.error({ err: new TypeError('plain failure'), looped }, 'unexpected error');
  const [line] = lines();
  expect(line.err).toMatchObject({ type: 'TypeError', message: 'plain failure' });
  expect(line.err.stack).toContain('logger.test.ts');
  expect(line.looped).toEqual({ name: 'loop', self: '[circular]' });
});
