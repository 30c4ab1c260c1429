/**
 * Merging duplicate records and undoing it (issue 17), through the GraphQL API: what moves (the
 * identifiers, the clinical record), what each record looks like afterwards (links, history,
 * FHIR), who may, what is refused, what the audit log says, and what an unmerge brings back.
 */
import { randomUUID } from 'node:crypto';
import { OptimisticLockError } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { mergePatients, unmergePatients } from '../src/patients/merge.js';
import type { WriteScope } from '../src/patients/service.js';
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

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the operation asked for
type Any = any;

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.adminUrl, async (client) => (await client.query(text, params)).rows as T[]);

const MERGE = `mutation Merge($sourceId: ID!, $targetId: ID!, $expectedSourceVersion: Int, $expectedTargetVersion: Int) {
  mergePatients(sourceId: $sourceId, targetId: $targetId, expectedSourceVersion: $expectedSourceVersion,
                expectedTargetVersion: $expectedTargetVersion) {
    id version active identifiers { system value use } replaces { id } fhir
  }
}`;
const UNMERGE = `mutation Unmerge($sourceId: ID!) {
  unmergePatients(sourceId: $sourceId) { id version active identifiers { system value use } replacedBy { id } fhir }
}`;
const RECORD = `query Record($id: ID!) { patient(id: $id) {
  id version active phone identifiers { system value use } replacedBy { id } replaces { id } fhir
  conditions { id fhir } allergies { id fhir }
  history { version action snapshot }
} }`;
const IMPORT = `mutation Import($resources: JSON!) { importPatients(resources: $resources) { failed { message } } }`;
const SEARCH = `query Search($search: String!) { patients(filter: { search: $search }) { edges { node { id } } } }`;

const SSN = 'urn:oid:2.16.840.1.113883.4.1';
const INSURANCE = 'urn:example:insurance';
let serial = 0;

/** Test builder: a patient with one identifier of `system` (a fresh value unless given). */
async function patientWith(system = SSN, value = `V-${++serial}-${Date.now()}`, input: Record<string, unknown> = {}) {
  return harness.createTestPatient({ givenName: 'Dup', identifiers: [{ system, value }], ...input }, clinician);
}

/** Test builder: a condition and an allergy in `patientId`'s clinical record; returns their ids. */
async function clinicalRecordOf(patientId: string, tag = `${++serial}`) {
  const reference = { reference: `Patient/${patientId}` };
  const ids = { condition: `cond-${tag}`, allergy: `allergy-${tag}` };
  const result = await harness.execute(
    IMPORT,
    {
      resources: [
        {
          resourceType: 'Condition',
          id: ids.condition,
          subject: reference,
          code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes' }] },
          clinicalStatus: { coding: [{ code: 'active' }] },
        },
        {
          resourceType: 'AllergyIntolerance',
          id: ids.allergy,
          patient: reference,
          code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Penicillin allergy' }] },
        },
      ],
    },
    clinician,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data?.importPatients.failed).toEqual([]);
  return ids;
}

async function read(id: string, by: TestCaller = admin): Promise<Any> {
  const result = await harness.execute(RECORD, { id }, by);
  expect(result.errors).toBeUndefined();
  return result.data?.patient;
}

const auditRows = (patientId: string, action: string) =>
  sql<{ outcome: string; actor_id: string }>(
    'SELECT outcome, actor_id FROM patients.audit_event WHERE patient_id = $1 AND action = $2 ORDER BY at',
    [patientId, action],
  );

describe('mergePatients', () => {
  test('moves identifiers and the clinical record to the target, links both records, and records it all', async () => {
    const source = await patientWith(SSN);
    const target = await patientWith(INSURANCE);
    const moved = await clinicalRecordOf(source.id);
    const kept = await clinicalRecordOf(target.id);
    const sourceValue = (await read(source.id)).identifiers[0].value;

    const result = await harness.execute(MERGE, { sourceId: source.id, targetId: target.id }, clinician);
    expect(result.errors).toBeUndefined();
    const merged = result.data?.mergePatients;
    expect(merged).toMatchObject({ id: target.id, version: 2, active: true });
    expect(merged.identifiers).toEqual(expect.arrayContaining([{ system: SSN, value: sourceValue, use: null }]));
    expect(merged.identifiers).toHaveLength(2);
    expect(merged.fhir.link).toEqual([{ other: { reference: `Patient/${source.id}` }, type: 'replaces' }]);
    // A CLINICIAN does not see the (now inactive) source, not even through the target.
    expect(merged.replaces).toEqual([]);

    const after = await read(target.id);
    expect(after.replaces).toEqual([{ id: source.id }]);
    expect(after.conditions.map((c: Any) => c.id).sort()).toEqual([kept.condition, moved.condition].sort());
    expect(after.allergies.map((a: Any) => a.id).sort()).toEqual([kept.allergy, moved.allergy].sort());
    const movedCondition = after.conditions.find((c: Any) => c.id === moved.condition);
    expect(movedCondition.fhir.subject.reference).toBe(`Patient/${target.id}`);
    expect(movedCondition.fhir.meta.versionId).toBe('2');
    expect(after.allergies.find((a: Any) => a.id === moved.allergy).fhir.patient.reference).toBe(
      `Patient/${target.id}`,
    );
    expect(after.history[0]).toMatchObject({ version: 2, action: 'MERGE' });

    const gone = await read(source.id);
    expect(gone).toMatchObject({ active: false, replacedBy: { id: target.id }, conditions: [], allergies: [] });
    expect(gone.identifiers).toEqual([{ system: SSN, value: sourceValue, use: 'old' }]);
    expect(gone.fhir.link).toEqual([{ other: { reference: `Patient/${target.id}` }, type: 'replaced-by' }]);
    expect(gone.fhir.identifier).toContainEqual({ use: 'old', system: SSN, value: sourceValue });
    expect(gone.history[0]).toMatchObject({
      version: 2,
      action: 'MERGE',
      snapshot: { active: false, replacedById: target.id },
    });

    // Other roles see the merged source as they see an archived record: not at all.
    expect(await read(source.id, viewer)).toBeNull();
    expect(await read(source.id, clinician)).toBeNull();
    // The source's identifier finds the target now.
    const found = await harness.execute(SEARCH, { search: sourceValue }, viewer);
    expect(found.data?.patients.edges.map((e: Any) => e.node.id)).toEqual([target.id]);

    // A resource imported later for the source lands on the target.
    const late = await clinicalRecordOf(source.id);
    expect((await read(target.id)).conditions.map((c: Any) => c.id)).toContain(late.condition);
    expect((await read(source.id)).conditions).toEqual([]);

    for (const id of [source.id, target.id])
      expect(await auditRows(id, 'MERGE')).toEqual([{ outcome: 'SUCCESS', actor_id: clinician.userId }]);
    const [record] = await sql<Any>('SELECT * FROM patients.patient_merge WHERE source_id = $1', [source.id]);
    expect(record).toMatchObject({ target_id: target.id, merged_by_id: clinician.userId, unmerged_at: null });
    expect(record.moved_identifiers).toEqual([{ system: SSN, value: sourceValue }]);
  });

  test('refuses a record into itself, a source merged already, an archived target, and stale versions', async () => {
    const [a, b, c] = [await patientWith(), await patientWith(INSURANCE), await patientWith('urn:example:other')];
    const self = await harness.execute(MERGE, { sourceId: a.id, targetId: a.id }, clinician);
    expect(self.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const stale = await harness.execute(
      MERGE,
      { sourceId: a.id, targetId: b.id, expectedSourceVersion: 1, expectedTargetVersion: 7 },
      clinician,
    );
    expect(stale.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(stale.errors?.[0]?.message).toMatch(/target is at version 1, not 7/);
    expect(await read(a.id)).toMatchObject({ version: 1, active: true, replacedBy: null });

    const ok = await harness.execute(
      MERGE,
      { sourceId: a.id, targetId: b.id, expectedSourceVersion: 1, expectedTargetVersion: 1 },
      clinician,
    );
    expect(ok.errors).toBeUndefined();
    const again = await harness.execute(MERGE, { sourceId: a.id, targetId: c.id }, admin);
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(again.errors?.[0]?.message).toMatch(/already merged/);
    // Into the merged record: refused too (merge into the one it was merged into).
    const intoMerged = await harness.execute(MERGE, { sourceId: c.id, targetId: a.id }, admin);
    expect(intoMerged.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });

    const archived = await patientWith('urn:example:archived');
    await harness.execute(`mutation { archivePatient(id: "${archived.id}") { id } }`, {}, clinician);
    const toArchivedAdmin = await harness.execute(MERGE, { sourceId: c.id, targetId: archived.id }, admin);
    expect(toArchivedAdmin.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(toArchivedAdmin.errors?.[0]?.message).toMatch(/target is archived/);
    const toArchived = await harness.execute(MERGE, { sourceId: c.id, targetId: archived.id }, clinician);
    expect(toArchived.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(await read(c.id)).toMatchObject({ version: 1, active: true });
    // As the target of `again`, the source of `intoMerged`, `toArchivedAdmin` and `toArchived`.
    expect(await auditRows(c.id, 'MERGE')).toEqual([
      { outcome: 'FAILED', actor_id: admin.userId },
      { outcome: 'FAILED', actor_id: admin.userId },
      { outcome: 'FAILED', actor_id: admin.userId },
      { outcome: 'FAILED', actor_id: clinician.userId },
    ]);
  });

  test('refuses two records with different identifiers of one system (likely two people), and a VIEWER', async () => {
    const a = await patientWith(SSN);
    const b = await patientWith(SSN);
    const clash = await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician);
    expect(clash.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(clash.errors?.[0]?.message).toContain(SSN);
    expect(await read(a.id)).toMatchObject({ version: 1, active: true });

    const denied = await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, viewer);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const id of [a.id, b.id])
      expect(await auditRows(id, 'MERGE')).toEqual([
        { outcome: 'FAILED', actor_id: clinician.userId },
        { outcome: 'DENIED', actor_id: viewer.userId },
      ]);
  });

  test('refuses ids that are not ids, a stale source, an archived source, and a target merged on, each saying why', async () => {
    const [a, b] = [await patientWith(), await patientWith(INSURANCE)];
    const errorOf = async (variables: Record<string, unknown>, by: TestCaller = clinician) =>
      (await harness.execute(MERGE, variables, by)).errors?.[0];
    expect(await errorOf({ sourceId: 'nope', targetId: b.id })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'sourceId' },
    });
    expect(await errorOf({ sourceId: a.id, targetId: 'nope' })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'targetId' },
    });
    expect(await errorOf({ sourceId: a.id, targetId: a.id })).toMatchObject({
      message: 'A record cannot be merged into itself',
      extensions: { code: 'BAD_USER_INPUT', field: 'targetId' },
    });
    expect(await errorOf({ sourceId: a.id, targetId: b.id, expectedSourceVersion: 5 })).toMatchObject({
      message: 'The source is at version 1, not 5; reload and retry',
      extensions: { code: 'CONFLICT' },
    });
    expect(
      await errorOf({ sourceId: a.id, targetId: b.id, expectedSourceVersion: null, expectedTargetVersion: 3 }),
    ).toMatchObject({
      message: 'The target is at version 1, not 3; reload and retry',
    });

    const archived = await patientWith('urn:example:archived-source');
    await harness.execute(`mutation { archivePatient(id: "${archived.id}") { id } }`, {}, clinician);
    expect(await errorOf({ sourceId: archived.id, targetId: b.id }, admin)).toMatchObject({
      message: 'The source is archived; restore it before merging it',
      extensions: { code: 'CONFLICT' },
    });
    expect(await errorOf({ sourceId: archived.id, targetId: b.id })).toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });

    expect((await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician)).errors).toBeUndefined();
    const c = await patientWith('urn:example:third-party');
    expect(await errorOf({ sourceId: c.id, targetId: a.id }, admin)).toMatchObject({
      message: 'The target is merged into another record; merge into that one',
      extensions: { code: 'CONFLICT' },
    });
    expect(await read(c.id)).toMatchObject({ version: 1, active: true });
  });

  test('restorePatient does not undo a merge', async () => {
    const [a, b] = [await patientWith(), await patientWith(INSURANCE)];
    expect((await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician)).errors).toBeUndefined();
    const restored = await harness.execute(`mutation { restorePatient(id: "${a.id}") { id } }`, {}, admin);
    expect(restored.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(restored.errors?.[0]?.message).toMatch(/unmergePatients/);
  });
});

describe('unmergePatients', () => {
  test('brings back the source with its identifiers and resources, and keeps what changed on the target', async () => {
    const source = await patientWith(SSN);
    const target = await patientWith(INSURANCE, undefined, { phone: '+14155550100' });
    const moved = await clinicalRecordOf(source.id);
    const before = await read(source.id);
    expect(
      (await harness.execute(MERGE, { sourceId: source.id, targetId: target.id }, clinician)).errors,
    ).toBeUndefined();

    // After the merge: the target changes, and gains a resource of its own.
    const update = await harness.execute(
      `mutation { updatePatient(id: "${target.id}", expectedVersion: 2, input: { phone: "+14155550199" }) { version } }`,
      {},
      clinician,
    );
    expect(update.errors).toBeUndefined();
    const later = await clinicalRecordOf(target.id);

    const refused = await harness.execute(UNMERGE, { sourceId: source.id }, clinician);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const result = await harness.execute(UNMERGE, { sourceId: source.id }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?.unmergePatients).toMatchObject({
      id: source.id,
      version: 3,
      active: true,
      identifiers: before.identifiers,
      replacedBy: null,
    });
    expect(result.data?.unmergePatients.fhir.link).toBeUndefined();

    const back = await read(source.id, clinician);
    expect(back.conditions.map((c: Any) => c.id)).toEqual([moved.condition]);
    expect(back.conditions[0].fhir.subject.reference).toBe(`Patient/${source.id}`);
    expect(back.allergies.map((a: Any) => a.id)).toEqual([moved.allergy]);
    expect(back.history.map((v: Any) => v.action)).toEqual(['UNMERGE', 'MERGE', 'CREATE']);

    const kept = await read(target.id);
    expect(kept).toMatchObject({ version: 4, phone: '+14155550199', replaces: [] });
    expect(kept.identifiers).toEqual([expect.objectContaining({ system: INSURANCE })]);
    expect(kept.fhir.link).toBeUndefined();
    expect(kept.conditions.map((c: Any) => c.id)).toEqual([later.condition]);
    expect(kept.history.map((v: Any) => v.action)).toEqual(['UNMERGE', 'UPDATE', 'MERGE', 'CREATE']);

    // The source's identifier finds the source again, not the target.
    const found = await harness.execute(SEARCH, { search: before.identifiers[0].value }, viewer);
    expect(found.data?.patients.edges.map((e: Any) => e.node.id)).toEqual([source.id]);

    for (const id of [source.id, target.id])
      expect(await auditRows(id, 'UNMERGE')).toEqual(
        id === source.id
          ? [
              { outcome: 'DENIED', actor_id: clinician.userId },
              { outcome: 'SUCCESS', actor_id: admin.userId },
            ]
          : [{ outcome: 'SUCCESS', actor_id: admin.userId }],
      );
    const [record] = await sql<Any>('SELECT * FROM patients.patient_merge WHERE source_id = $1', [source.id]);
    expect(record).toMatchObject({ unmerged_by_id: admin.userId });

    const twice = await harness.execute(UNMERGE, { sourceId: source.id }, admin);
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // Merged again after the undo: a second merge record, the first one kept.
    expect((await harness.execute(MERGE, { sourceId: source.id, targetId: target.id }, admin)).errors).toBeUndefined();
    expect(await sql('SELECT 1 FROM patients.patient_merge WHERE source_id = $1', [source.id])).toHaveLength(2);
  });

  test('refuses while the target has been merged on, then works once that merge is undone', async () => {
    const [a, b, c] = [await patientWith(SSN), await patientWith(INSURANCE), await patientWith('urn:example:third')];
    const moved = await clinicalRecordOf(a.id);
    expect((await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician)).errors).toBeUndefined();
    expect((await harness.execute(MERGE, { sourceId: b.id, targetId: c.id }, clinician)).errors).toBeUndefined();
    expect((await read(c.id)).conditions.map((x: Any) => x.id)).toEqual([moved.condition]);

    const blocked = await harness.execute(UNMERGE, { sourceId: a.id }, admin);
    expect(blocked.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(blocked.errors?.[0]?.message).toMatch(/unmerge that merge first/);

    expect((await harness.execute(UNMERGE, { sourceId: b.id }, admin)).errors).toBeUndefined();
    expect((await read(b.id)).conditions.map((x: Any) => x.id)).toEqual([moved.condition]);
    expect((await harness.execute(UNMERGE, { sourceId: a.id }, admin)).errors).toBeUndefined();
    expect((await read(a.id)).conditions.map((x: Any) => x.id)).toEqual([moved.condition]);
    expect((await read(c.id)).identifiers).toEqual([expect.objectContaining({ system: 'urn:example:third' })]);
  });

  test('refuses while an identifier that moved belongs to a third record now', async () => {
    const [a, b] = [await patientWith(SSN), await patientWith(INSURANCE)];
    const ssn = (await read(a.id)).identifiers[0].value;
    expect((await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician)).errors).toBeUndefined();
    const insurance = (await read(b.id)).identifiers.find((i: Any) => i.system === INSURANCE);
    const dropped = await harness.execute(
      'mutation D($id: ID!, $identifiers: [IdentifierInput!]) { updatePatient(id: $id, expectedVersion: 2, input: { identifiers: $identifiers }) { version } }',
      { id: b.id, identifiers: [{ system: INSURANCE, value: insurance.value }] },
      clinician,
    );
    expect(dropped.errors).toBeUndefined();
    const third = await patientWith(SSN, ssn);

    const refused = await harness.execute(UNMERGE, { sourceId: a.id }, admin);
    expect(refused.errors?.[0]).toMatchObject({
      message: `An identifier of ${SSN} now belongs to a third record; correct that record first`,
      extensions: { code: 'CONFLICT' },
    });
    expect(await read(a.id)).toMatchObject({ active: false, replacedBy: { id: b.id } });
    expect((await read(third.id)).identifiers).toEqual([{ system: SSN, value: ssn, use: null }]);
  });

  test('a record that was never merged, and an id that is not one', async () => {
    const a = await patientWith();
    expect((await harness.execute(UNMERGE, { sourceId: a.id }, admin)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await harness.execute(UNMERGE, { sourceId: 'nope' }, admin)).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('merge and unmerge as services', () => {
  const scopeOf = (caller: TestCaller): WriteScope => ({
    viewer: { userId: caller.userId, role: caller.role },
    requestId: `merge-unit-${randomUUID()}`,
    operationName: null,
  });

  test('an unmerge by someone who may not see archived records finds no merged record', async () => {
    const [a, b] = [await patientWith(), await patientWith(INSURANCE)];
    expect((await harness.execute(MERGE, { sourceId: a.id, targetId: b.id }, clinician)).errors).toBeUndefined();
    await expect(unmergePatients(harness.orm.em.fork(), scopeOf(clinician), a.id)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(unmergePatients(harness.orm.em.fork(), scopeOf(clinician), randomUUID())).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    expect(await read(a.id)).toMatchObject({ active: false, replacedBy: { id: b.id } });
  });

  test('a concurrent change (an optimistic lock failure) is a CONFLICT to retry', async () => {
    const em = {
      transactional: async () => {
        throw OptimisticLockError.lockFailed('Patient');
      },
    } as unknown as EntityManager;
    const scope = scopeOf(clinician);
    await expect(mergePatients(em, scope, randomUUID(), randomUUID())).rejects.toMatchObject({
      message: 'A record was changed concurrently; retry',
      extensions: { code: 'CONFLICT' },
    });
    await expect(unmergePatients(em, scope, randomUUID())).rejects.toMatchObject({
      message: 'A record was changed concurrently; retry',
      extensions: { code: 'CONFLICT' },
    });
    const other = new Error('connection lost');
    const failing = { transactional: () => Promise.reject(other) } as unknown as EntityManager;
    await expect(mergePatients(failing, scope, randomUUID(), randomUUID())).rejects.toBe(other);
    await expect(unmergePatients(failing, scope, randomUUID())).rejects.toBe(other);
  });
});
