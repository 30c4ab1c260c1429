/**
 * `npm run mutate [-- target…]` (orm/src/testing/run-mutate.ts): StrykerJS on the security-critical
 * modules, one target at a time, each with only the test files that cover it. A target is run
 * as `MUTATE_TARGET=<name> stryker run` inside the test database environment; it mutates in
 * place (the workspaces import each other through node_modules links, which a sandbox copy
 * would not follow), so leave the mutated files alone while it runs (an interrupted run puts
 * them back from its backup in .stryker-tmp/), and run one target at a time in a tree: another
 * target's instrumented file (`// @ts-nocheck`) fails this one's TypeScript checker.
 *
 * Survivors judged equivalent (no test can tell them from the original) are listed under their
 * target, with why.
 */

/** @type {Record<string, { mutate: string[]; tests: string[]; equivalent?: string[] }>} */
export const targets = {
  tokens: {
    mutate: ['orm/src/auth/tokens.ts'],
    tests: ['orm/test/tokens.test.ts', 'orm/test/access-tokens.test.ts', 'orm/test/verified-token-cache.test.ts'],
  },
  // The queue and the hashing process's client (the process itself, hashing-process.ts, runs
  // outside jest's coverage). Slow: most of its mutants run tests that fork hashing processes.
  passwords: {
    mutate: ['subgraphs/users/src/passwords.ts'],
    tests: ['subgraphs/users/test/passwords.test.ts'],
  },
  // The password rule (NIST SP 800-63B).
  passwordRule: {
    mutate: ['subgraphs/users/src/password-policy.ts'],
    tests: ['subgraphs/users/test/passwords.test.ts'],
  },
  throttle: {
    mutate: ['subgraphs/users/src/throttle.ts'],
    tests: ['subgraphs/users/test/throttle.test.ts'],
  },
  validation: {
    mutate: ['subgraphs/patients/src/patients/validation.ts'],
    tests: ['subgraphs/patients/test/validation.test.ts'],
  },
  access: {
    mutate: ['orm/src/auth/access.ts', 'subgraphs/patients/src/access.ts'],
    tests: ['orm/test/access.test.ts', 'subgraphs/patients/test/access.test.ts'],
  },
  revocations: {
    mutate: ['orm/src/auth/revocations.ts', 'subgraphs/users/src/revocations.ts'],
    tests: [
      'orm/test/access-tokens.test.ts',
      'orm/test/revocation-push.test.ts',
      'subgraphs/users/test/revocation-hub.test.ts',
    ],
  },
  sessions: {
    mutate: ['subgraphs/users/src/tokens.ts'],
    tests: ['subgraphs/users/test/sessions.test.ts'],
  },
  audit: {
    mutate: ['subgraphs/patients/src/audit.ts'],
    tests: ['subgraphs/patients/test/audit.test.ts'],
  },
  // Line ranges: the decoders only (move them when the code above them changes): list.ts's sort
  // keys' `valid` checks and decodeCursor. The audit log's decodeAuditCursor is measured with the
  // rest of audit.ts (the `audit` target).
  cursors: {
    mutate: [
      'subgraphs/patients/src/patients/list.ts:110-111',
      'subgraphs/patients/src/patients/list.ts:120-120',
      'subgraphs/patients/src/patients/list.ts:129-129',
      'subgraphs/patients/src/patients/list.ts:142-142',
      'subgraphs/patients/src/patients/list.ts:168-189',
    ],
    // Equivalent: an empty `catch` of decodeCursor's JSON.parse (parts stays undefined, and the
    // next check refuses that the same way).
    tests: ['subgraphs/patients/test/search.test.ts'],
  },
  merge: {
    mutate: ['subgraphs/patients/src/patients/merge.ts'],
    tests: ['subgraphs/patients/test/merge.test.ts'],
  },
  // Who reads the clinical record: readRecord (an archived patient's record hidden, except from an
  // ADMIN; the audit rows) and the Patient fields built on it.
  clinicalAccess: {
    mutate: ['subgraphs/patients/src/clinical/summary.ts:35-53', 'subgraphs/patients/src/resolvers/clinical.ts:77-200'],
    // The unit tests only: clinical.test.ts covers the same lines end to end, but its Synthea import
    // before every mutant's run would cost about half a minute each.
    tests: ['subgraphs/patients/test/clinical-access.test.ts'],
  },
  // The sign-up policy (SIGNUP_MODE, invitations used): usableInvitation and signUp.
  signUp: {
    mutate: ['subgraphs/users/src/resolvers/Mutation.ts:97-160'],
    tests: ['subgraphs/users/test/sign-up.test.ts'],
  },
  // Invitations made: the inviteUser resolver.
  invitations: {
    mutate: ['subgraphs/users/src/resolvers/Mutation.ts:243-263'],
    tests: ['subgraphs/users/test/sign-up.test.ts'],
  },
  // The trail writer, the authEvents filter and its cursor.
  authEvents: {
    mutate: ['subgraphs/users/src/auth-events.ts'],
    tests: ['subgraphs/users/test/auth-events.test.ts'],
  },
};

const target = process.env.MUTATE_TARGET ?? '';
const chosen = targets[target];
if (!chosen) throw new Error(`MUTATE_TARGET must be one of ${Object.keys(targets).join(', ')}, not "${target}"`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  checkers: ['typescript'],
  // The services' sources only: the tests are @ts-nocheck, and a mutant's type error shows where it is made.
  tsconfigFile: 'tsconfig.mutate.json',
  plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'],
  mutate: chosen.mutate,
  inPlace: true,
  // `// @ts-nocheck` goes on the mutated files only (ts-jest transpiles without checking anyway,
  // isolatedModules): with inPlace, the default would write it into every file of the tree.
  disableTypeChecks: `{${[...new Set(chosen.mutate.map((file) => file.replace(/:\d+-\d+$/, '')))].join(',')},}`,
  coverageAnalysis: 'perTest',
  // Test runners at once: MUTATE_CONCURRENCY, 2 unless told (this is a 2-core machine, shared).
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  // Generous: under load a test run can take tens of seconds, and a false timeout counts as a kill.
  timeoutMS: 60_000,
  jest: {
    projectType: 'custom',
    enableFindRelatedTests: false,
    config: { testMatch: chosen.tests.map((file) => `<rootDir>/${file}`) },
  },
  // A second run retests only the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: `reports/stryker-incremental/${target}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${target}.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
