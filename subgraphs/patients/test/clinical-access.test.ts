/**
 * Who reads a patient's clinical record, as units: readRecord and the Patient fields built on it.
 * An archived patient's record is hidden with them (a FAILED row per type, nothing read), except
 * from an ADMIN; a refused caller leaves a DENIED row naming what was asked for.
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { GraphQLResolveInfo } from 'graphql';
import type { Role, Viewer } from '@healthsync/orm/auth';
import { pageOf } from '../src/clinical/read.js';
import { readRecord, SUMMARY_TYPES } from '../src/clinical/summary.js';
import { CLINICAL_TYPES } from '../src/clinical/types.js';
import type { PatientsContext } from '../src/context.js';
import type { Patient } from '../src/entities.js';
import { patientClinicalFields } from '../src/resolvers/clinical.js';

const info = { operation: { name: { value: 'Record' } } } as unknown as GraphQLResolveInfo;

interface Row {
  action: string;
  outcome: string;
  patientId: string | null;
  resourceType: string;
}

/** A request context whose loaders answer with `answer` and count their calls. */
function contextOf(role: Role | null | 'anonymous') {
  const viewer: Viewer | null = role === 'anonymous' ? null : { userId: randomUUID(), role };
  const rows: Row[] = [];
  const loads: { loader: string; key: unknown }[] = [];
  const loader = (name: string) => ({
    load: jest.fn(async (key: unknown) => {
      loads.push({ loader: name, key });
      return [];
    }),
  });
  const lists = Object.fromEntries(CLINICAL_TYPES.map((type) => [type, loader(type)]));
  const context = {
    viewer,
    requestId: 'clinical-unit',
    audit: { record: (...events: Row[]) => rows.push(...events) },
    loaders: {
      clinical: { lists, observations: loader('observations'), encounters: loader('encounters') },
      replacesByPatientId: loader('replaces'),
    },
  } as unknown as PatientsContext;
  return { context, rows, loads };
}

const patientOf = (active: boolean) =>
  ({ id: randomUUID(), active, updatedAt: new Date('2026-01-01T00:00:00Z'), identifiers: [] }) as unknown as Patient;

const codeOf = async (run: () => Promise<unknown>) =>
  run().then(
    () => 'allowed',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );

describe('readRecord', () => {
  test('a visible record is read, with a READ SUCCESS row per type disclosed', async () => {
    for (const [role, active] of [
      ['VIEWER', true],
      ['ADMIN', false],
    ] as const) {
      const { context, rows } = contextOf(role);
      const patient = patientOf(active);
      const read = jest.fn(async () => 'the record');
      expect(await readRecord(context, info, patient, ['Condition', 'Encounter'], read, 'hidden')).toBe('the record');
      expect(read).toHaveBeenCalledTimes(1);
      expect(rows).toEqual([
        expect.objectContaining({
          action: 'READ',
          outcome: 'SUCCESS',
          patientId: patient.id,
          resourceType: 'Condition',
        }),
        expect.objectContaining({
          action: 'READ',
          outcome: 'SUCCESS',
          patientId: patient.id,
          resourceType: 'Encounter',
        }),
      ]);
    }
  });

  test('an archived record is hidden from everyone but an ADMIN: nothing read, a FAILED row per type', async () => {
    for (const role of ['CLINICIAN', 'VIEWER'] as const) {
      const { context, rows } = contextOf(role);
      const patient = patientOf(false);
      const read = jest.fn(async () => 'the record');
      expect(await readRecord(context, info, patient, ['Condition', 'Procedure'], read, 'hidden')).toBe('hidden');
      expect(read).not.toHaveBeenCalled();
      expect(rows).toEqual([
        expect.objectContaining({ outcome: 'FAILED', patientId: patient.id, resourceType: 'Condition' }),
        expect.objectContaining({ outcome: 'FAILED', patientId: patient.id, resourceType: 'Procedure' }),
      ]);
    }
  });

  test('a refused caller gets the error and one DENIED row naming the type asked for (Patient for several)', async () => {
    const patient = patientOf(true);
    for (const [role, code] of [
      ['anonymous', 'UNAUTHENTICATED'],
      [null, 'FORBIDDEN'],
    ] as const) {
      const one = contextOf(role);
      const read = jest.fn(async () => 'the record');
      expect(await codeOf(() => readRecord(one.context, info, patient, ['Observation'], read, 'hidden'))).toBe(code);
      expect(read).not.toHaveBeenCalled();
      expect(one.rows).toEqual([
        expect.objectContaining({ outcome: 'DENIED', patientId: patient.id, resourceType: 'Observation' }),
      ]);
      const several = contextOf(role);
      expect(await codeOf(() => readRecord(several.context, info, patient, SUMMARY_TYPES, read, 'hidden'))).toBe(code);
      expect(several.rows).toEqual([expect.objectContaining({ outcome: 'DENIED', resourceType: 'Patient' })]);
    }
  });
});

describe('the Patient fields of the clinical record', () => {
  const fields = patientClinicalFields as unknown as Record<
    string,
    (patient: Patient, args: Record<string, unknown>, context: PatientsContext, info: GraphQLResolveInfo) => unknown
  >;
  const EMPTY_PAGE = { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  /** Each field: the types its rows name, and what a hidden record gives. */
  const cases: [string, string[], unknown][] = [
    ['conditions', ['Condition'], []],
    ['medications', ['MedicationRequest'], []],
    ['allergies', ['AllergyIntolerance'], []],
    ['immunizations', ['Immunization'], []],
    ['procedures', ['Procedure'], []],
    ['observations', ['Observation'], EMPTY_PAGE],
    ['encounters', ['Encounter'], EMPTY_PAGE],
    ['summary', SUMMARY_TYPES, { patientId: null }],
    ['everything', ['Patient', ...CLINICAL_TYPES], { resourceType: 'Bundle', type: 'searchset', total: 0 }],
  ];

  test.each(cases)(
    '%s of an archived patient: hidden from a CLINICIAN, nothing loaded',
    async (field, types, hidden) => {
      const { context, rows, loads } = contextOf('CLINICIAN');
      const patient = patientOf(false);
      expect(await fields[field]!(patient, {}, context, info)).toEqual(hidden);
      expect(loads).toEqual([]);
      expect(rows.map((row) => [row.outcome, row.resourceType])).toEqual(types.map((type) => ['FAILED', type]));
    },
  );

  test.each(cases)('%s of an archived patient: read by an ADMIN', async (field, types) => {
    const { context, rows, loads } = contextOf('ADMIN');
    const patient = patientOf(false);
    // everything: resources changed since a later time, so that the patient resource itself is left out.
    const args = field === 'everything' ? { since: new Date('2027-01-01T00:00:00Z') } : {};
    const answer = (await fields[field]!(patient, args, context, info)) as Record<string, unknown>;
    expect(rows.map((row) => [row.outcome, row.resourceType])).toEqual(types.map((type) => ['SUCCESS', type]));
    if (field === 'summary') expect(answer).toEqual({ patientId: patient.id });
    else expect(loads.length).toBeGreaterThan(0);
    for (const { key } of loads) expect(key).toMatchObject({ patientId: patient.id });
  });

  test('the lists load their own patient with the arguments given, active only when asked', async () => {
    const { context, loads } = contextOf('VIEWER');
    const patient = patientOf(true);
    await fields.conditions!(patient, {}, context, info);
    await fields.medications!(patient, { activeOnly: true }, context, info);
    await fields.allergies!(patient, {}, context, info);
    expect(loads).toEqual([
      { loader: 'Condition', key: { patientId: patient.id, args: { activeOnly: false } } },
      { loader: 'MedicationRequest', key: { patientId: patient.id, args: { activeOnly: true } } },
      { loader: 'AllergyIntolerance', key: { patientId: patient.id, args: {} } },
    ]);
  });

  test('the pages load their own patient with the filters and cursor given, and 20 rows unless told', async () => {
    const { context, loads } = contextOf('VIEWER');
    const patient = patientOf(true);
    const after = pageOf([{ id: 'row-1' }], 1, () => new Date('2026-01-01T00:00:00Z')).edges[0]!.cursor;
    const from = new Date('2025-01-01T00:00:00Z');
    const to = new Date('2026-01-01T00:00:00Z');
    await fields.observations!(
      patient,
      { first: 5, after, code: '8867-4', category: 'vital-signs', from, to },
      context,
      info,
    );
    await fields.observations!(patient, {}, context, info);
    await fields.encounters!(patient, { after }, context, info);
    await fields.medications!(patient, {}, context, info);
    expect(loads).toEqual([
      {
        loader: 'observations',
        key: {
          patientId: patient.id,
          args: {
            first: 5,
            after,
            code: '8867-4',
            category: 'vital-signs',
            from: from.toISOString(),
            to: to.toISOString(),
          },
        },
      },
      {
        loader: 'observations',
        key: {
          patientId: patient.id,
          args: { first: 20, after: null, code: null, category: null, from: null, to: null },
        },
      },
      { loader: 'encounters', key: { patientId: patient.id, args: { first: 20, after } } },
      { loader: 'MedicationRequest', key: { patientId: patient.id, args: { activeOnly: false } } },
    ]);
  });
});
