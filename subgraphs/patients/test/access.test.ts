/** The patients subgraph's access checks as units: authorize's DENIED row, and who sees archived records. */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { GraphQLResolveInfo } from 'graphql';
import { CAN_READ_PATIENTS, CAN_WRITE_PATIENTS, type Viewer } from '@healthsync/orm/auth';
import { ForbiddenError, SignInRequiredError } from '@healthsync/orm';
import { authorize, canSeeArchived } from '../src/access.js';
import type { PatientsContext } from '../src/context.js';

const info = { operation: { name: { value: 'Op' } } } as unknown as GraphQLResolveInfo;

function contextOf(viewer: Viewer | null) {
  const record = jest.fn();
  const context = { viewer, requestId: 'access-unit', audit: { record } } as unknown as PatientsContext;
  return { context, record };
}

describe('authorize', () => {
  test('the caller when their role is allowed, with nothing recorded', () => {
    const viewer: Viewer = { userId: randomUUID(), role: 'CLINICIAN' };
    const { context, record } = contextOf(viewer);
    expect(authorize(context, info, 'UPDATE', CAN_WRITE_PATIENTS)).toBe(viewer);
    expect(record).not.toHaveBeenCalled();
  });

  test('a refusal is recorded as DENIED, about its subject, before the error goes out', () => {
    const patientId = randomUUID();
    const viewer: Viewer = { userId: randomUUID(), role: 'VIEWER' };
    const refused = contextOf(viewer);
    expect(() => authorize(refused.context, info, 'READ', ['ADMIN'], { patientId, resourceType: 'Condition' })).toThrow(
      ForbiddenError,
    );
    expect(refused.record.mock.calls).toEqual([
      [
        expect.objectContaining({
          actorId: viewer.userId,
          actorRole: 'VIEWER',
          action: 'READ',
          outcome: 'DENIED',
          patientId,
          resourceType: 'Condition',
          requestId: 'access-unit',
          operationName: 'Op',
        }),
      ],
    ]);

    const anonymous = contextOf(null);
    expect(() => authorize(anonymous.context, info, 'CREATE', CAN_WRITE_PATIENTS)).toThrow(SignInRequiredError);
    expect(anonymous.record.mock.calls).toEqual([
      [
        expect.objectContaining({
          actorId: null,
          action: 'CREATE',
          outcome: 'DENIED',
          patientId: null,
          resourceType: 'Patient',
        }),
      ],
    ]);

    const pending = contextOf({ userId: randomUUID(), role: null });
    expect(() => authorize(pending.context, info, 'READ', CAN_READ_PATIENTS)).toThrow(ForbiddenError);
    expect(pending.record).toHaveBeenCalledTimes(1);
  });
});

test('only an ADMIN sees archived records', () => {
  const sees = (role: Viewer['role']) => canSeeArchived({ userId: randomUUID(), role });
  expect([sees('ADMIN'), sees('CLINICIAN'), sees('VIEWER'), sees(null)]).toEqual([true, false, false, false]);
});
