import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { createErrorFormatter, createLogger } from '@healthsync/orm';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import {
  AuditCollector,
  type AuditScope,
  auditEvent,
  auditFlushPlugin,
  auditScope,
  listAuditEvents,
  recordFailure,
  timeOrderedId,
} from '../src/audit.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let viewer: TestCaller;
let admin: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, viewer, admin] = await Promise.all([
    harness.caller('CLINICIAN'),
    harness.caller('VIEWER'),
    harness.caller('ADMIN'),
  ]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

interface AuditRow {
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string;
  patient_id: string | null;
  outcome: string;
  request_id: string;
  operation_name: string | null;
}

const auditRowsOf = (requestId: string) =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<AuditRow>(
      'SELECT actor_id, actor_role, action, resource_type, patient_id, outcome, request_id, operation_name FROM patients.audit_event WHERE request_id = $1 ORDER BY at, id',
      [requestId],
    );
    return rows;
  });

const CREATE = `mutation CreatePatient($input: CreatePatientInput!) { createPatient(input: $input) { id } }`;

describe('audit log', () => {
  test('a create writes one CREATE SUCCESS row with actor, role, patient, request and operation, and no PHI', async () => {
    const result = await harness.execute(
      CREATE,
      { input: { givenName: 'Private', familyName: 'Person', email: 'private@example.org' } },
      clinician,
    );
    const id = result.data?.createPatient.id as string;
    const rows = await auditRowsOf(harness.lastRequestId());
    expect(rows).toEqual([
      {
        actor_id: clinician.userId,
        actor_role: 'CLINICIAN',
        action: 'CREATE',
        resource_type: 'Patient',
        patient_id: id,
        outcome: 'SUCCESS',
        request_id: harness.lastRequestId(),
        operation_name: 'CreatePatient',
      },
    ]);
  });

  test('reads, searches and denials are audited; the search text is not stored', async () => {
    const { id } = await harness.createTestPatient({ givenName: 'Secret', familyName: 'Searchname' });
    await harness.execute('query ReadOne($id: ID!) { patient(id: $id) { id } }', { id }, viewer);
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'READ', outcome: 'SUCCESS', patient_id: id, actor_role: 'VIEWER', operation_name: 'ReadOne' },
    ]);

    await harness.execute('query Find { patients(filter: { search: "Searchname" }) { totalCount } }', {}, viewer);
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'SEARCH', outcome: 'SUCCESS', patient_id: id },
    ]);
    await harness.execute('query Find { patients(filter: { search: "Nobodyatall" }) { totalCount } }', {}, viewer);
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'SEARCH', outcome: 'SUCCESS', patient_id: null },
    ]);

    await harness.execute('query ReadOne($id: ID!) { patient(id: $id) { id } }', { id });
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'READ', outcome: 'DENIED', patient_id: id, actor_id: null, actor_role: null },
    ]);

    await harness.execute(CREATE, { input: { givenName: 'Not', familyName: 'Allowed' } }, viewer);
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'CREATE', outcome: 'DENIED', actor_id: viewer.userId, patient_id: null },
    ]);

    const everything = await withClient(database.adminUrl, (client) =>
      client.query('SELECT row_to_json(a)::text AS row FROM patients.audit_event a'),
    );
    for (const { row } of everything.rows as { row: string }[]) expect(row).not.toMatch(/Secret|Searchname|Private/);
  });

  test('a refused write leaves a FAILED row, no SUCCESS row and no patient', async () => {
    const result = await harness.execute(
      CREATE,
      { input: { givenName: 'Bad', familyName: 'Date', birthDate: '2999-01-01' } },
      clinician,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([{ action: 'CREATE', outcome: 'FAILED' }]);

    const identifier = { system: 'urn:example:mrn', value: 'dup-1' };
    await harness.createTestPatient({ identifiers: [identifier] });
    const conflict = await harness.execute(
      CREATE,
      { input: { givenName: 'Dup', familyName: 'Licate', identifiers: [identifier] } },
      clinician,
    );
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // The patient row was inserted before the identifier failed: the rollback took it, and no
    // audit row of that transaction survives.
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([{ action: 'CREATE', outcome: 'FAILED' }]);
    const { rows } = await withClient(database.adminUrl, (client) =>
      client.query("SELECT 1 FROM patients.patient WHERE family_name = 'Licate'"),
    );
    expect(rows).toHaveLength(0);
  });

  test('a list writes one SEARCH row per patient it returned, all of a request in one INSERT', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await harness.createTestPatient({ familyName: 'Listedthree' }, clinician));
    harness.statements.length = 0;
    const result = await harness.execute(
      `query Two($id: ID!) {
        listed: patients(filter: { search: "Listedthree" }, first: 20) { edges { node { id } } }
        one: patient(id: $id) { id }
      }`,
      { id: created[0]!.id },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    const rows = await auditRowsOf(harness.lastRequestId());
    expect(rows.filter((row) => row.action === 'SEARCH').map((row) => row.patient_id)).toEqual(
      expect.arrayContaining(created.map((patient) => patient.id)),
    );
    expect(rows).toHaveLength(4);
    expect(rows.filter((row) => row.action === 'READ')).toMatchObject([{ patient_id: created[0]!.id }]);
    expect(harness.statements.filter((sql) => /insert into "?patients"?\."?audit_event\b/i.test(sql))).toHaveLength(1);

    // Paging through all of them puts every one on record, page after page.
    const seen = new Set<string>();
    let after: string | null = null;
    do {
      const page = await harness.execute(
        'query Page($after: String) { patients(filter: { search: "Listedthree" }, first: 2, after: $after) { pageInfo { hasNextPage endCursor } } }',
        { after },
        viewer,
      );
      for (const row of await auditRowsOf(harness.lastRequestId())) seen.add(row.patient_id!);
      after = page.data?.patients.pageInfo.hasNextPage ? page.data.patients.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(new Set(created.map((patient) => patient.id)));
  });

  test('when the audit rows cannot be written, the response carries no data', async () => {
    const { id } = await harness.createTestPatient({}, clinician);
    const grant = (sql: string) => withClient(database.adminUrl, (client) => client.query(sql));
    await grant('REVOKE INSERT ON patients.audit_event FROM healthsync_patients');
    try {
      const result = await harness.execute(
        'query ReadOne($id: ID!) { patient(id: $id) { id fullName } }',
        { id },
        viewer,
      );
      expect(result).toEqual({
        data: null,
        errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
    } finally {
      await grant('GRANT INSERT ON patients.audit_event TO healthsync_patients');
    }
    const again = await harness.execute('query ReadOne($id: ID!) { patient(id: $id) { id } }', { id }, viewer);
    expect(again.data?.patient).toEqual({ id });
  });

  test('the service role may append and read audit rows but never change or remove them', async () => {
    const role = new pg.Client({ connectionString: database.urls.patients });
    await role.connect();
    try {
      const { rows } = await role.query('SELECT current_user AS me, count(*)::int AS n FROM patients.audit_event');
      expect(rows[0].me).toBe('healthsync_patients');
      expect(rows[0].n).toBeGreaterThan(0);
      await role.query(
        "INSERT INTO patients.audit_event (id, at, action, outcome, request_id) VALUES (gen_random_uuid(), now(), 'READ', 'DENIED', 'role-test')",
      );
      await expect(role.query("UPDATE patients.audit_event SET outcome = 'SUCCESS'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(role.query('DELETE FROM patients.audit_event')).rejects.toThrow(/permission denied/);
      await expect(role.query('TRUNCATE patients.audit_event')).rejects.toThrow(/permission denied/);
    } finally {
      await role.end();
    }
    // Not even the owner: a trigger refuses changes whoever asks.
    await expect(
      withClient(database.adminUrl, (client) => client.query('DELETE FROM patients.audit_event')),
    ).rejects.toThrow(/append-only/);
  });

  test('the history is append-only too, and patients cannot be deleted, only archived', async () => {
    const { id } = await harness.createTestPatient({}, clinician);
    const role = new pg.Client({ connectionString: database.urls.patients });
    await role.connect();
    try {
      const { rows } = await role.query(
        'SELECT count(*)::int AS n FROM patients.patient_version WHERE patient_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(1);
      for (const sql of [
        "UPDATE patients.patient_version SET action = 'UPDATE' WHERE patient_id = $1",
        'DELETE FROM patients.patient_version WHERE patient_id = $1',
        'DELETE FROM patients.patient WHERE id = $1',
      ])
        await expect(role.query(sql, [id])).rejects.toThrow(/permission denied/);
      await expect(role.query('TRUNCATE patients.patient_version')).rejects.toThrow(/permission denied/);
      await expect(role.query('TRUNCATE patients.patient CASCADE')).rejects.toThrow(/permission denied/);
    } finally {
      await role.end();
    }
    await withClient(database.adminUrl, async (owner) => {
      // The owner: the trigger refuses changes to the history, and the foreign key a delete of a
      // patient that has history (it never cascades into it).
      await expect(
        owner.query("UPDATE patients.patient_version SET action = 'UPDATE' WHERE patient_id = $1", [id]),
      ).rejects.toThrow(/append-only/);
      await expect(owner.query('DELETE FROM patients.patient_version WHERE patient_id = $1', [id])).rejects.toThrow(
        /append-only/,
      );
      await expect(owner.query('DELETE FROM patients.patient WHERE id = $1', [id])).rejects.toThrow(
        /violates RESTRICT setting of foreign key constraint "patient_version_patient_id_foreign"/,
      );
      const { rows } = await owner.query(
        'SELECT count(*)::int AS n FROM patients.patient_version WHERE patient_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(1);
    });
  });
});

describe('audit rows (units)', () => {
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const scope = (overrides: Partial<AuditScope> = {}): AuditScope => ({
    viewer: { userId: randomUUID(), role: 'CLINICIAN' },
    requestId: `unit-${randomUUID()}`,
    operationName: 'Op',
    ...overrides,
  });

  test('audit ids sort in the order they were made, even within one millisecond', () => {
    const now = Date.now();
    const made = Array.from({ length: 100 }, () => timeOrderedId(now));
    expect(made.map((m) => m.id)).toEqual(made.map((m) => m.id).sort());
    expect(new Set(made.map((m) => m.id)).size).toBe(100);
    expect(made[0]!.at.getTime()).toBeGreaterThanOrEqual(now);
  });

  test('an id is a UUIDv7: its milliseconds, a counter within the millisecond, then random bits', () => {
    // Ahead of every id made so far, so that this millisecond starts its counter at 0.
    const now = Date.now() + 1_000;
    const made = Array.from({ length: 0x1000 + 2 }, () => timeOrderedId(now));
    for (const { id, at } of [made[0]!, made[0x123]!, made[0x1000]!]) {
      expect(id).toMatch(UUID_V7);
      expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at.getTime());
    }
    expect(made[0]!.id.slice(14, 18)).toBe('7000');
    expect(made[0x123]!.id.slice(14, 18)).toBe('7123');
    // 4096 ids fit in one millisecond; the next ones borrow the following millisecond.
    expect(made[0xfff]!.at.getTime()).toBe(now);
    expect(made[0xfff]!.id.slice(14, 18)).toBe('7fff');
    expect(made.slice(0x1000).map((m) => [m.at.getTime(), m.id.slice(14, 18)])).toEqual([
      [now + 1, '7000'],
      [now + 1, '7001'],
    ]);
    const ids = made.map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  test('a row names its actor, a patient only by a well-formed id, and at most 200 characters of the operation', () => {
    const caller = scope({ operationName: 'x'.repeat(300) });
    const patientId = randomUUID();
    const row = auditEvent(caller, 'READ', 'SUCCESS', patientId);
    expect(row).toEqual({
      id: expect.stringMatching(UUID_V7),
      at: expect.any(Date),
      actorId: caller.viewer!.userId,
      actorRole: 'CLINICIAN',
      action: 'READ',
      resourceType: 'Patient',
      patientId,
      outcome: 'SUCCESS',
      requestId: caller.requestId,
      operationName: 'x'.repeat(200),
    });
    // Whatever a client sent as an id (an MRN, a name) is never written to the log.
    expect(auditEvent(caller, 'READ', 'DENIED', 'Jane Doe').patientId).toBeNull();
    expect(auditEvent(caller, 'READ', 'DENIED', 'MRN-0001', 'Condition')).toMatchObject({
      patientId: null,
      resourceType: 'Condition',
    });
    expect(auditEvent(scope({ viewer: null, operationName: null }), 'READ', 'DENIED')).toMatchObject({
      actorId: null,
      actorRole: null,
      patientId: null,
      operationName: null,
    });
    const info = (name?: string) => ({ operation: { name: name && { value: name } } }) as unknown as GraphQLResolveInfo;
    expect(auditScope({ viewer: null, requestId: 'r' }, info())).toEqual({
      viewer: null,
      requestId: 'r',
      operationName: null,
    });
    expect(auditScope({ viewer: null, requestId: 'r' }, info('Named')).operationName).toBe('Named');
  });

  test('a collector writes what it recorded in one statement, once, and nothing when it recorded nothing', async () => {
    const caller = scope();
    const collector = new AuditCollector(harness.orm.em.fork());
    const inserts = () =>
      harness.statements.filter((sql) => /insert into "?patients"?\."?audit_event\b/i.test(sql)).length;
    const before = inserts();
    await collector.flush();
    expect(inserts()).toBe(before);
    collector.record(auditEvent(caller, 'READ', 'SUCCESS', randomUUID()), auditEvent(caller, 'SEARCH', 'SUCCESS'));
    await collector.flush();
    await collector.flush();
    expect(inserts()).toBe(before + 1);
    expect(await auditRowsOf(caller.requestId)).toMatchObject([
      { action: 'READ', actor_id: caller.viewer!.userId, actor_role: 'CLINICIAN', operation_name: 'Op' },
      { action: 'SEARCH', patient_id: null },
    ]);
  });

  test('the flush plugin withholds a single response whose rows failed, logs why, and leaves others alone', async () => {
    const listener = await auditFlushPlugin().requestDidStart!({} as never);
    const contextOf = (flush: () => Promise<void>) => ({ audit: { flush }, logger: { error: jest.fn() } });
    const send = (contextValue: unknown, body: unknown) =>
      listener!.willSendResponse!({ contextValue, response: { body } } as never);

    const failing = contextOf(() => Promise.reject(new Error('audit table away')));
    const single = { kind: 'single', singleResult: { data: { patient: { id: 'x' } } } };
    await send(failing, single);
    expect(single.singleResult).toEqual({
      data: null,
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(failing.logger.error).toHaveBeenCalledWith(
      { err: expect.objectContaining({ message: 'audit table away' }) },
      'audit write failed; the response is withheld',
    );

    // An incremental response (never produced here: no @defer) has no singleResult to replace.
    const incremental = { kind: 'incremental', initialResult: { data: {} } };
    await send(
      contextOf(() => Promise.reject(new Error('away'))),
      incremental,
    );
    expect(incremental).toEqual({ kind: 'incremental', initialResult: { data: {} } });

    const fine = contextOf(() => Promise.resolve());
    const answered = { kind: 'single', singleResult: { data: { ok: true } } };
    await send(fine, answered);
    expect(answered.singleResult).toEqual({ data: { ok: true } });
    expect(fine.logger.error).not.toHaveBeenCalled();
  });

  test('a page is 1 to 100 whole events, checked before anything is read', async () => {
    const noDatabase = undefined as unknown as EntityManager;
    for (const first of [0, 1.5, Number.NaN, 101])
      await expect(listAuditEvents(noDatabase, { filter: {}, first })).rejects.toMatchObject({
        message: 'first must be between 1 and 100',
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      });
  });

  test('recordFailure records a FAILED row about its subject and rethrows; a success records nothing', async () => {
    const record = jest.fn();
    const context = { audit: { record } } as unknown as { audit: AuditCollector };
    const caller = scope();
    const patientId = randomUUID();
    await expect(recordFailure(context, caller, 'UPDATE', { patientId }, async () => 'done')).resolves.toBe('done');
    expect(record).not.toHaveBeenCalled();
    const failure = new Error('refused');
    await expect(
      recordFailure(context, caller, 'IMPORT', { patientId, resourceType: 'Condition' }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    expect(record).toHaveBeenCalledTimes(1);
    expect(record.mock.calls[0]).toEqual([
      expect.objectContaining({ action: 'IMPORT', outcome: 'FAILED', patientId, resourceType: 'Condition' }),
    ]);
  });
});

describe('auditEvents', () => {
  const EVENTS = `query Events($filter: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id at actorId actor { id } actorRole action resourceType patientId outcome requestId operationName } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  test('an ADMIN reads the log newest first, filtered and page by page', async () => {
    const { id } = await harness.createTestPatient({}, clinician);
    await harness.execute(
      'mutation U($id: ID!) { updatePatient(id: $id, expectedVersion: 1, input: { givenName: "B" }) { id } }',
      { id },
      clinician,
    );
    await harness.execute('mutation A($id: ID!) { archivePatient(id: $id) { id } }', { id }, clinician);

    const all = await harness.execute(EVENTS, { filter: { patientId: id } }, admin);
    expect(all.errors).toBeUndefined();
    const nodes = all.data?.auditEvents.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes.map((n: { action: string }) => n.action)).toEqual(['ARCHIVE', 'UPDATE', 'CREATE']);
    expect(nodes[0]).toMatchObject({
      actorId: clinician.userId,
      actor: { id: clinician.userId },
      actorRole: 'CLINICIAN',
      outcome: 'SUCCESS',
      operationName: 'A',
    });

    // Reading the patient's trail is now on it (AUDIT_READ), newest first.
    const first = await harness.execute(EVENTS, { filter: { patientId: id }, first: 2 }, admin);
    expect(first.data?.auditEvents.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual([
      'AUDIT_READ',
      'ARCHIVE',
    ]);
    expect(first.data?.auditEvents.pageInfo.hasNextPage).toBe(true);
    const rest = await harness.execute(
      EVENTS,
      { filter: { patientId: id }, first: 3, after: first.data?.auditEvents.pageInfo.endCursor },
      admin,
    );
    expect(rest.data?.auditEvents.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual([
      'UPDATE',
      'CREATE',
    ]);
    expect(rest.data?.auditEvents.pageInfo.hasNextPage).toBe(false);

    const updates = await harness.execute(EVENTS, { filter: { action: 'UPDATE', actorId: clinician.userId } }, admin);
    expect(updates.data?.auditEvents.edges.length).toBeGreaterThan(0);
    for (const edge of updates.data?.auditEvents.edges ?? [])
      expect(edge.node).toMatchObject({ action: 'UPDATE', actorId: clinician.userId });

    const future = await harness.execute(
      EVENTS,
      { filter: { from: new Date(Date.now() + 3600_000).toISOString() } },
      admin,
    );
    expect(future.data?.auditEvents.edges).toEqual([]);
  });

  test('reading the log is on record: AUDIT_READ rows, one per patient whose events were shown', async () => {
    const [a, b] = [await harness.createTestPatient({}, clinician), await harness.createTestPatient({}, clinician)];
    const page = await harness.execute(
      EVENTS,
      { filter: { actorId: clinician.userId, action: 'CREATE' }, first: 100 },
      admin,
    );
    const shown = new Set(page.data?.auditEvents.edges.map((e: { node: { patientId: string } }) => e.node.patientId));
    expect(shown.has(a.id) && shown.has(b.id)).toBe(true);
    const rows = await auditRowsOf(harness.lastRequestId());
    expect(rows.every((row) => row.action === 'AUDIT_READ' && row.resource_type === 'AuditEvent')).toBe(true);
    shown.delete(null); // events about no patient (a refused create) name none
    expect(new Set(rows.map((row) => row.patient_id))).toEqual(shown);
    expect(rows[0]).toMatchObject({ actor_id: admin.userId, actor_role: 'ADMIN', outcome: 'SUCCESS' });

    // A page showing no patient's events is one row without a patient; the rows themselves can be read back.
    await harness.execute(EVENTS, { filter: { from: new Date(Date.now() + 3600_000).toISOString() } }, admin);
    expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
      { action: 'AUDIT_READ', outcome: 'SUCCESS', patient_id: null, resource_type: 'AuditEvent' },
    ]);
    const reads = await harness.execute(EVENTS, { filter: { action: 'AUDIT_READ', patientId: a.id } }, admin);
    expect(reads.data?.auditEvents.edges[0]?.node).toMatchObject({ action: 'AUDIT_READ', patientId: a.id });
  });

  test('only an ADMIN reads the log; bad filters are BAD_USER_INPUT', async () => {
    for (const caller of [viewer, clinician]) {
      const result = await harness.execute(EVENTS, {}, caller);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await auditRowsOf(harness.lastRequestId())).toMatchObject([
        { action: 'AUDIT_READ', outcome: 'DENIED', actor_id: caller.userId, resource_type: 'AuditEvent' },
      ]);
    }
    expect((await harness.execute(EVENTS, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await harness.execute(EVENTS, { filter: { patientId: 'nope' } }, admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.patientId' });
    const cursor = await harness.execute(EVENTS, { after: 'garbage' }, admin);
    expect(cursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  test('first is 1 to 100; an id filter must be an id (null is no filter); times are of years 1 to 9999', async () => {
    const fieldOf = async (variables: Record<string, unknown>) =>
      (await harness.execute(EVENTS, variables, admin)).errors?.[0]?.extensions?.field ?? 'accepted';
    expect(await fieldOf({ first: 0 })).toBe('first');
    expect(await fieldOf({ first: 101 })).toBe('first');
    expect(await fieldOf({ first: 1 })).toBe('accepted');
    expect(await fieldOf({ first: 100 })).toBe('accepted');
    expect(await fieldOf({ filter: { actorId: 'someone' } })).toBe('filter.actorId');
    expect(await fieldOf({ filter: { patientId: null, actorId: null, from: null, to: null } })).toBe('accepted');
    expect(await fieldOf({ filter: { from: '0000-06-01T00:00:00.000Z' } })).toBe('filter.from');
    expect(await fieldOf({ filter: { to: '0000-06-01T00:00:00.000Z' } })).toBe('filter.to');
    const messageOf = async (variables: Record<string, unknown>) =>
      (await harness.execute(EVENTS, variables, admin)).errors?.[0]?.message;
    expect(await messageOf({ filter: { actorId: 'someone' } })).toBe('filter.actorId must be an id');
    expect(await messageOf({ filter: { to: '0000-06-01T00:00:00.000Z' } })).toBe(
      'filter.to must be a time of years 1 to 9999',
    );
  });

  test('from is inclusive and to exclusive; one page at a time walks events of one millisecond in (at, id) order', async () => {
    // A fresh caller's list of three patients: three SEARCH rows, made within a millisecond or two.
    const reader = await harness.caller('VIEWER');
    for (let i = 0; i < 3; i++) await harness.createTestPatient({ familyName: 'Samemilli' }, clinician);
    await harness.execute('{ patients(filter: { search: "Samemilli" }) { edges { node { id } } } }', {}, reader);
    const expected = await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query<{ id: string; at: Date }>(
        'SELECT id, at FROM patients.audit_event WHERE actor_id = $1 ORDER BY at DESC, id DESC',
        [reader.userId],
      );
      return rows;
    });
    expect(expected).toHaveLength(3);

    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const result = await harness.execute(EVENTS, { filter: { actorId: reader.userId }, first: 1, after }, admin);
      expect(result.errors).toBeUndefined();
      const { edges, pageInfo } = result.data!.auditEvents;
      walked.push(edges[0].node.id);
      expect(pageInfo).toEqual({ hasNextPage: page < 2, endCursor: edges[0].cursor });
      after = pageInfo.endCursor;
    }
    expect(walked).toEqual(expected.map((row) => row.id));
    const exactlyAll = await harness.execute(EVENTS, { filter: { actorId: reader.userId }, first: 3 }, admin);
    expect(exactlyAll.data?.auditEvents.pageInfo.hasNextPage).toBe(false);
    const none = await harness.execute(EVENTS, { filter: { actorId: reader.userId }, first: 1, after }, admin);
    expect(none.data?.auditEvents).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });

    const oldest = expected.at(-1)!.at;
    const idsBetween = async (from: Date | null, to: Date | null) =>
      (
        await harness.execute(
          EVENTS,
          { filter: { actorId: reader.userId, from: from?.toISOString(), to: to?.toISOString() } },
          admin,
        )
      ).data?.auditEvents.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(await idsBetween(oldest, null)).toEqual(expected.map((row) => row.id));
    expect(await idsBetween(null, oldest)).toEqual([]);
    expect(await idsBetween(null, new Date(oldest.getTime() + 1))).toContain(expected.at(-1)!.id);
  });

  test('a cursor is a millisecond time and an id, nothing else', async () => {
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = randomUUID();
    for (const bad of [
      cursorOf(null),
      cursorOf([1_700_000_000_000, id]),
      cursorOf(['2026-01-01T00:00:00Z', id]), // no milliseconds
      cursorOf(['2026-01-01T00:00:00.000000Z', id]), // microseconds: not a time this log keeps
      cursorOf(['2026-02-30T00:00:00.000Z', id]),
      cursorOf(['2026-01-01T00:00:00.000Z', 'not-an-id']),
    ]) {
      const result = await harness.execute(EVENTS, { after: bad }, admin);
      expect(result.errors?.[0]).toMatchObject({
        message: 'after is not a cursor of the audit log',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      });
    }
    const made = await harness.execute(EVENTS, { after: cursorOf(['2999-01-01T00:00:00.000Z', id]), first: 1 }, admin);
    expect(made.errors).toBeUndefined();
    expect(made.data?.auditEvents.edges).toHaveLength(1);
  });
});

test('an unexpected database error is logged without the SQL values or the quoted input', async () => {
  const error = await harness.orm.em
    .fork()
    // Not a value PostgreSQL refuses (that is the client's BAD_USER_INPUT), a statement that fails.
    .execute('SELECT ?::text AS n FROM no_such_table', ['João Secretname'])
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  expect(String((error as Error).message)).toMatch(/Secretname/); // what would have leaked
  const lines: string[] = [];
  const logger = createLogger('patients', 'error', { write: (line: string) => lines.push(line) });
  const formatted = createErrorFormatter(logger)(
    { message: (error as Error).message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    new GraphQLError((error as Error).message, { originalError: error as Error }),
  );
  expect(formatted).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/Secretname|João/);
  expect(JSON.parse(lines[0]!).err).toMatchObject({ code: '42P01', routine: expect.any(String) });
});
