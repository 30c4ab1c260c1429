import pg from 'pg';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let other: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, other] = await Promise.all([harness.caller('CLINICIAN'), harness.caller('CLINICIAN')]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const UPDATE = `mutation Update($id: ID!, $expectedVersion: Int!, $input: UpdatePatientInput!) {
  updatePatient(id: $id, expectedVersion: $expectedVersion, input: $input) {
    id version givenName familyName email phone identifiers { system value } updatedBy { id }
  }
}`;
const HISTORY = `query History($id: ID!) {
  patient(id: $id) { version history { version action changedAt changedBy { id } snapshot } }
}`;

const auditOutcomes = (patientId: string, action: string) =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM patients.audit_event WHERE patient_id = $1 AND action = $2 GROUP BY outcome`,
      [patientId, action],
    );
    return Object.fromEntries(rows.map((row) => [row.outcome, row.n]));
  });

describe('updatePatient', () => {
  test('changes only the given fields, clears optional ones given as null, and bumps the version', async () => {
    const { id } = await harness.createTestPatient(
      { givenName: 'Ann', familyName: 'Lee', email: 'ann@example.org', phone: '+14155550123' },
      clinician,
    );
    const result = await harness.execute(
      UPDATE,
      { id, expectedVersion: 1, input: { familyName: 'Lee-Park', email: null } },
      other,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updatePatient).toEqual({
      id,
      version: 2,
      givenName: 'Ann',
      familyName: 'Lee-Park',
      email: null,
      phone: '+14155550123',
      identifiers: [],
      updatedBy: { id: other.userId },
    });
  });

  test('a required field given as null is BAD_USER_INPUT and changes nothing', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Kim' });
    const result = await harness.execute(UPDATE, { id, expectedVersion: 1, input: { givenName: null } }, clinician);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'givenName' });
    const history = await harness.execute(HISTORY, { id }, clinician);
    expect(history.data?.patient.version).toBe(1);
    expect(history.data?.patient.history).toHaveLength(1);
  });

  test('a stale expectedVersion is CONFLICT and changes nothing', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Stale' });
    await harness.execute(UPDATE, { id, expectedVersion: 1, input: { givenName: 'Fresh' } }, clinician);
    const stale = await harness.execute(UPDATE, { id, expectedVersion: 1, input: { givenName: 'Lost' } }, other);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await harness.execute(HISTORY, { id }, clinician);
    expect(after.data?.patient.version).toBe(2);
    expect(after.data?.patient.history.map((v: { snapshot: { givenName: string } }) => v.snapshot.givenName)).toEqual([
      'Fresh',
      'Stale',
    ]);
    expect(await auditOutcomes(id, 'UPDATE')).toEqual({ SUCCESS: 1, FAILED: 1 });
  });

  test('of concurrent updates with the same version exactly one wins; the others are CONFLICT', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Race' });
    harness.statements.length = 0;
    const results = await Promise.all(
      ['A', 'B', 'C', 'D', 'E'].map((name) =>
        harness.execute(UPDATE, { id, expectedVersion: 1, input: { givenName: `Race ${name}` } }, clinician),
      ),
    );
    const winners = results.filter((result) => !result.errors);
    const losers = results.filter((result) => result.errors);
    expect(winners).toHaveLength(1);
    expect(losers.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(Array(4).fill('CONFLICT'));

    const after = await harness.execute(HISTORY, { id }, clinician);
    expect(after.data?.patient.version).toBe(2);
    expect(after.data?.patient.history).toHaveLength(2);
    expect(after.data?.patient.history[0].snapshot.givenName).toBe(winners[0]!.data?.updatePatient.givenName);
    expect(await auditOutcomes(id, 'UPDATE')).toEqual({ SUCCESS: 1, FAILED: 4 });
    // The database decides, not the read before it: the UPDATE only matches the expected version.
    const updates = harness.statements.filter((sql) => /update "patients"\."patient"/i.test(sql));
    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (const sql of updates) expect(sql).toMatch(/where "id" = \$\d+ and "version" = \$\d+/i);
  });

  test('a writer that read the version before another commits still loses: the UPDATE checks it', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Locked' });
    const blocker = new pg.Client({ connectionString: database.adminUrl });
    await blocker.connect();
    try {
      // Another writer holds the row, already at version 2 but not yet committed.
      await blocker.query('BEGIN');
      await blocker.query('UPDATE patients.patient SET version = version + 1 WHERE id = $1', [id]);
      const update = harness.execute(UPDATE, { id, expectedVersion: 1, input: { givenName: 'Late' } }, clinician);
      // Our UPDATE has read version 1 and now waits for the row lock.
      for (let waiting = false, tries = 0; !waiting; tries++) {
        if (tries > 1000) throw new Error('the update never waited for the row lock');
        // pg_stat_activity is a per-transaction snapshot: ask from outside the blocker's transaction.
        const { rows } = await withClient(database.adminUrl, (client) =>
          client.query(
            'SELECT 1 FROM pg_stat_activity WHERE wait_event_type = \'Lock\' AND query ILIKE \'update "patients"."patient"%\'',
          ),
        );
        waiting = rows.length > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await blocker.query('COMMIT');
      const result = await update;
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    } finally {
      await blocker.end();
    }
    const after = await harness.execute(HISTORY, { id }, clinician);
    expect(after.data?.patient.version).toBe(2);
    expect(after.data?.patient.history).toHaveLength(1);
  });

  test('identifiers are replaced as a whole; a released identifier can go to another patient', async () => {
    const identifier = { system: 'urn:example:nhs', value: '943 476 5919' };
    const first = await harness.createTestPatient({ identifiers: [identifier] });
    const moved = await harness.execute(
      UPDATE,
      { id: first.id, expectedVersion: 1, input: { identifiers: [{ system: 'urn:example:nhs', value: '111' }] } },
      clinician,
    );
    expect(moved.data?.updatePatient.identifiers).toEqual([{ system: 'urn:example:nhs', value: '111' }]);
    const second = await harness.createTestPatient({ identifiers: [identifier] });
    expect(second.id).not.toBe(first.id);

    const taken = await harness.execute(
      UPDATE,
      { id: first.id, expectedVersion: 2, input: { identifiers: [identifier] } },
      clinician,
    );
    expect(taken.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await harness.execute(HISTORY, { id: first.id }, clinician);
    expect(after.data?.patient.version).toBe(2);
  });

  test('an unknown id is NOT_FOUND', async () => {
    const result = await harness.execute(
      UPDATE,
      { id: '00000000-0000-4000-8000-000000000000', expectedVersion: 1, input: { givenName: 'X' } },
      clinician,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('history', () => {
  test('every write stores a snapshot; history lists them newest first with who and when', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Hist', familyName: 'Ory' }, clinician);
    await harness.execute(UPDATE, { id, expectedVersion: 1, input: { familyName: 'Orie' } }, other);
    await harness.execute('mutation($id: ID!) { archivePatient(id: $id) { id } }', { id }, other);
    const admin = await harness.caller('ADMIN');
    const result = await harness.execute(HISTORY, { id }, admin);
    const history = result.data?.patient.history as {
      version: number;
      action: string;
      changedAt: string;
      changedBy: { id: string };
      snapshot: Record<string, unknown>;
    }[];
    expect(history.map((v) => [v.version, v.action, v.changedBy.id])).toEqual([
      [3, 'ARCHIVE', other.userId],
      [2, 'UPDATE', other.userId],
      [1, 'CREATE', clinician.userId],
    ]);
    expect(history[1]!.snapshot).toMatchObject({ familyName: 'Orie', givenName: 'Hist', active: true, version: 2 });
    expect(history[0]!.snapshot).toMatchObject({ active: false });
    expect(Date.parse(history[0]!.changedAt)).toBeGreaterThanOrEqual(Date.parse(history[2]!.changedAt));
  });
});
