/**
 * executeBound (orm), which the clinical reads and writes and the audit insert run their
 * statements with: parameters bound, inside the caller's transaction, in the query log, errors
 * converted as em.execute converts them.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { executeBound } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { timeOrderedId } from '../src/audit.js';
import { createPatientsHarness, type PatientsHarness } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

test('binds parameters: a quote or a question mark in a value is data, not SQL', async () => {
  const text = `it's a "test" ? \\ ${'x'.repeat(50_000)}`;
  const rows = await executeBound<{ same: boolean; length: number }>(
    harness.orm.em.fork(),
    'SELECT ?::text = ?::text AS same, length(?::text) AS length',
    [text, text, text],
  );
  expect(rows).toEqual([{ same: true, length: text.length }]);
});

/** An audit row with a fresh id, as executeBound's parameters: the patients role may insert those. */
const INSERT_AUDIT = `INSERT INTO patients.audit_event (id, at, action, resource_type, outcome, request_id)
  VALUES (?::uuid, now(), 'READ', 'Patient', 'SUCCESS', 'execute-bound-test')`;
const COUNT_AUDIT = 'SELECT count(*)::int AS n FROM patients.audit_event WHERE id = ?::uuid';

test("runs in em's transaction: it sees what the transaction wrote, and rolls back with it", async () => {
  const { id } = timeOrderedId();
  await expect(
    harness.orm.em.fork().transactional(async (tx) => {
      await executeBound(tx, INSERT_AUDIT, [id]);
      expect(await executeBound(tx, COUNT_AUDIT, [id])).toEqual([{ n: 1 }]);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect(await executeBound(harness.orm.em.fork(), COUNT_AUDIT, [id])).toEqual([{ n: 0 }]);
});

test('logs each statement in the query log and converts driver errors as em.execute does', async () => {
  const em = harness.orm.em.fork();
  const { id } = timeOrderedId();
  harness.statements.length = 0;
  await executeBound(em, INSERT_AUDIT, [id]);
  expect(harness.statements).toHaveLength(1);
  expect(harness.statements[0]).toContain('INSERT INTO patients.audit_event');
  await expect(executeBound(em, INSERT_AUDIT, [id])).rejects.toBeInstanceOf(UniqueConstraintViolationException);
});
