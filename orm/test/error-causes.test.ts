/**
 * The error formatter's reading of real PostgreSQL failures: a value the database refuses (which a
 * resolver's checks let through) is the client's BAD_USER_INPUT; a database that does not answer in
 * time is SERVICE_UNAVAILABLE; neither answer repeats SQL, values or hosts, and anything else stays
 * a masked INTERNAL_SERVER_ERROR.
 */
import { Writable } from 'node:stream';
import { createErrorFormatter, createLogger } from '@healthsync/orm';
import { findFreePort, withClient } from '@healthsync/orm/database';
import { testEnvironment } from '@healthsync/orm/testing';
import { GraphQLError } from 'graphql';
import pg from 'pg';

let logged = '';
// The services' own logger: it is what keeps a refused value out of the log line.
const logger = createLogger(
  'error-causes-test',
  'info',
  new Writable({
    write(chunk, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  }),
);
const format = createErrorFormatter(logger);

/** The error PostgreSQL raises for `sql` with `values`, as a resolver would see it thrown. */
async function failureOf(sql: string, values: unknown[] = [], setup?: string): Promise<GraphQLError> {
  const error = await withClient(testEnvironment().HEALTHSYNC_TEST_SERVER_URL, async (client) => {
    if (setup) await client.query(setup);
    return client.query(sql, values).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  });
  if (!error) throw new Error(`${sql} did not fail`);
  return new GraphQLError('resolver failed', { originalError: error as Error, path: ['field'] });
}

const answer = (error: GraphQLError) => format({ message: error.message, path: ['field'] }, error);

beforeEach(() => {
  logged = '';
});

test.each([
  ['text that is no UUID', 'SELECT $1::uuid', ['ada-secret-value']],
  ['a NUL character', 'SELECT $1::text', ['ada\u0000secret-value']],
  ['an impossible date', 'SELECT $1::date', ['1990-02-30 ada-secret-value']],
  ['a number out of range', 'SELECT $1::int', ['99999999999999']],
])('%s is BAD_USER_INPUT, and neither answer nor log repeats it', async (_name, sql, values) => {
  const formatted = answer(await failureOf(sql, values));
  expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  expect(JSON.stringify(formatted)).not.toMatch(/secret|SELECT|uuid|date/i);
  expect(logged).toMatch(/value refused by the database/);
  expect(logged).not.toMatch(/secret-value|SELECT/);
});

test('a statement past statement_timeout is SERVICE_UNAVAILABLE', async () => {
  const formatted = answer(await failureOf('SELECT pg_sleep(1)', [], 'SET statement_timeout = 10'));
  expect(formatted).toEqual({
    message: 'The database is not answering; retry shortly',
    path: ['field'],
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
});

test('a refused connection is SERVICE_UNAVAILABLE naming no host', async () => {
  const client = new pg.Client({ connectionString: `postgres://nobody:secret@127.0.0.1:${await findFreePort()}/none` });
  const refused = await client.connect().catch((error: unknown) => error);
  const formatted = answer(new GraphQLError('resolver failed', { originalError: refused as Error }));
  expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
  expect(JSON.stringify(formatted)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|secret/);
});

test('any other database error stays a masked INTERNAL_SERVER_ERROR', async () => {
  const formatted = answer(await failureOf('SELECT * FROM no_such_table_here'));
  expect(formatted).toEqual({
    message: 'Internal server error',
    path: ['field'],
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
  expect(logged).toMatch(/unexpected error/);
});
