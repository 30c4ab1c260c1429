// @ts-nocheck
import {
  CAN_ADMINISTER,
  CAN_READ_PATIENTS,
  CAN_WRITE_PATIENTS,
  HAS_A_ROLE,
  requireRole,
  requireViewer,
} from '../src/auth/index.js';

const USER = 'a7f3c1d2-0b4e-4f6a-8c9d-1e2f3a4b5c6d';
const as = (role: string | null) => ({ viewer: { userId: USER, role } });
const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'allowed';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('requireViewer', () => {
  test('the verified caller, or UNAUTHENTICATED for an anonymous one', () => {
    expect(requireViewer(as('VIEWER'))).toEqual({ userId: USER, role: 'VIEWER' });
    expect(requireViewer(as(null))).toEqual({ userId: USER, role: null });
    expect(codeOf(() => requireViewer({ viewer: null }))).toBe('UNAUTHENTICATED');
  });
});

describe('requireRole', () => {
  test('the caller when their role is one of those asked; FORBIDDEN otherwise', () => {
    expect(requireRole(as('CLINICIAN'), 'CLINICIAN', 'ADMIN')).toEqual({ userId: USER, role: 'CLINICIAN' });
    expect(codeOf(() => requireRole(as('VIEWER'), 'CLINICIAN', 'ADMIN'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireRole(as('ADMIN')))).toBe('FORBIDDEN');
  });

  test('an account waiting for approval (no role) is refused every role; an anonymous caller must sign in', () => {
    expect(codeOf(() => requireRole(as(null), ...HAS_A_ROLE))).toBe('FORBIDDEN');
    expect(codeOf(() => requireRole({ viewer: null }, ...HAS_A_ROLE))).toBe('UNAUTHENTICATED');
  });

  test('who may do what (DESIGN.md §4)', () => {
    const may = (roles: string[]) =>
      ['VIEWER', 'CLINICIAN', 'ADMIN', null].filter(
        (role) => codeOf(() => requireRole(as(role), ...roles)) === 'allowed',
      );
    expect(may(CAN_READ_PATIENTS)).toEqual(['VIEWER', 'CLINICIAN', 'ADMIN']);
    expect(may(CAN_WRITE_PATIENTS)).toEqual(['CLINICIAN', 'ADMIN']);
    expect(may(CAN_ADMINISTER)).toEqual(['ADMIN']);
    expect(may(HAS_A_ROLE)).toEqual(['VIEWER', 'CLINICIAN', 'ADMIN']);
  });
});
