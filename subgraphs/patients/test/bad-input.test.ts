/**
 * A client's mistake is never a server error: impossible dates, NUL bytes, 10 kB strings and
 * non-UUID ids in any argument of the patients subgraph answer BAD_USER_INPUT (or a GraphQL
 * validation error), never INTERNAL_SERVER_ERROR.
 */
import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  parse,
} from 'graphql';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createPatientsHarness, type GraphQLResult, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let admin: TestCaller;
let patientId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  admin = await harness.caller('ADMIN');
  ({ id: patientId } = await harness.createTestPatient(
    { givenName: 'Cursor', familyName: 'Owner', birthDate: '1980-01-01' },
    admin,
  ));
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const NUL = 'a\u0000b';
const LONG = 'x'.repeat(10_240);
const cursorOf = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';

/** No error of `result` is a server error; at least one says the input was bad. */
function expectClientError(result: GraphQLResult) {
  const codes = (result.errors ?? []).map((error) => error.extensions?.code);
  expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
  expect(codes.some((code) => code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
}

const LIST = `query List($filter: PatientFilter, $after: String, $orderBy: PatientOrder) {
  patients(filter: $filter, first: 5, after: $after, orderBy: $orderBy) { edges { node { id } } totalCount }
}`;
const AUDIT = `query Audit($after: String, $filter: AuditEventFilter) {
  auditEvents(first: 5, after: $after, filter: $filter) { edges { node { id } } }
}`;

describe('each mistake the issue names is BAD_USER_INPUT', () => {
  test.each([
    ['an impossible birth date', ['BIRTH_DATE', 'ASC', '2001-02-30', UUID], { field: 'BIRTH_DATE', direction: 'ASC' }],
    ['year 0', ['BIRTH_DATE', 'DESC', '0000-01-01', UUID], { field: 'BIRTH_DATE', direction: 'DESC' }],
    [
      'an impossible timestamp',
      ['CREATED_AT', 'ASC', '2020-13-45T25:61:00.000000Z', UUID],
      { field: 'CREATED_AT', direction: 'ASC' },
    ],
    ['a NUL byte in the key', ['FAMILY_NAME', 'ASC', NUL, UUID], { field: 'FAMILY_NAME', direction: 'ASC' }],
    ['a NUL byte in the id', ['FAMILY_NAME', 'ASC', 'Owner', `${UUID}\u0000`], { field: 'FAMILY_NAME' }],
    ['a 10 kB key', ['FAMILY_NAME', 'ASC', LONG, UUID], { field: 'FAMILY_NAME', direction: 'ASC' }],
  ])('a patients cursor with %s', async (_kind, parts, orderBy) => {
    expectClientError(await harness.execute(LIST, { after: cursorOf(parts), orderBy }, admin));
  });

  test.each([
    ['NUL', NUL],
    ['10 kB', LONG],
    ['not base64 JSON', 'not a cursor'],
  ])('a raw cursor (%s)', async (_kind, after) => {
    expectClientError(await harness.execute(LIST, { after }, admin));
    expectClientError(await harness.execute(AUDIT, { after }, admin));
  });

  test.each([
    ['an impossible time', ['2020-02-30T00:00:00.000Z', UUID]],
    ['year 0', ['0000-01-01T00:00:00.000Z', UUID]],
    ['a NUL byte', [`2020-01-01T00:00:00.000Z${'\u0000'}`, UUID]],
    ['a non-UUID id', ['2020-01-01T00:00:00.000Z', 'nope']],
  ])('an audit log cursor with %s', async (_kind, parts) => {
    expectClientError(await harness.execute(AUDIT, { after: cursorOf(parts) }, admin));
  });

  test.each([
    ['NUL', NUL],
    ['10 kB', LONG],
    ['only a NUL', '\u0000'],
  ])('a search with %s', async (_kind, search) => {
    expectClientError(await harness.execute(LIST, { filter: { search } }, admin));
  });

  test('a birth-date filter in year 0 and an audit filter in year 0', async () => {
    expectClientError(await harness.execute(LIST, { filter: { birthDateFrom: '0000-01-01' } }, admin));
    expectClientError(
      await harness.execute(AUDIT, { filter: { from: '0000-01-01T00:00:00Z', to: '0000-06-01T00:00:00Z' } }, admin),
    );
  });

  test.each([
    ['patient', 'query($id: ID!) { patient(id: $id) { id } }'],
    ['updatePatient', 'mutation($id: ID!) { updatePatient(id: $id, expectedVersion: 1, input: {}) { id } }'],
    ['archivePatient', 'mutation($id: ID!) { archivePatient(id: $id) { id } }'],
    ['restorePatient', 'mutation($id: ID!) { restorePatient(id: $id) { id } }'],
    [
      '_entities',
      'query($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { __typename } }',
    ],
  ])('a non-UUID id in %s', async (_field, query) => {
    for (const id of ['not-a-uuid', NUL, LONG, `${patientId}x`]) {
      const result = await harness.execute(query, { id }, admin);
      expectClientError(result);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
  });

  test('a NUL byte or 10 kB in an MRN', async () => {
    for (const mrn of [NUL, LONG])
      expectClientError(
        await harness.execute('query($mrn: String!) { patientByMrn(mrn: $mrn) { id } }', { mrn }, admin),
      );
  });

  test('a hostile cursor in User.patientsCreated', async () => {
    const result = await harness.execute(
      `query($after: String) { _entities(representations: [{ __typename: "User", id: "${admin.userId}" }]) {
        ... on User { patientsCreated(after: $after) { totalCount } } } }`,
      { after: cursorOf(['CREATED_AT', 'DESC', '2020-02-30T00:00:00.000000Z', UUID]) },
      admin,
    );
    expectClientError(result);
  });
});

/**
 * Every argument of every root field, one at a time, gets hostile values while the others hold
 * valid ones: nothing answers INTERNAL_SERVER_ERROR. (Inputs of a wrong scalar type are the
 * GraphQL layer's: they never reach a resolver.)
 */
describe('every argument of the schema', () => {
  const schema = buildASTSchema(parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')), {
    assumeValidSDL: true,
  });
  const HOSTILE_TEXT = [NUL, LONG, 'not-a-uuid', '2001-02-30', '0000-01-01', "'; drop table patients.patient; --"];
  const HOSTILE_JSON = [
    { resourceType: 'Patient', name: [{ family: NUL, given: [NUL] }], birthDate: '2001-02-30' },
    { resourceType: 'Patient', name: [{ family: LONG, given: ['x'] }], id: NUL, extension: [{ url: NUL }] },
    { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: NUL } }] },
    [NUL, LONG],
  ];

  /** A value of `type` that passes validation, for the arguments not under test. */
  function validValue(type: GraphQLInputType, name: string): unknown {
    const nullable = getNullableType(type);
    if (isListType(nullable)) return [validValue(nullable.ofType, name)];
    if (isEnumType(nullable)) return nullable.getValues()[0]?.value;
    if (isInputObjectType(nullable)) {
      const value: Record<string, unknown> = {};
      for (const field of Object.values(nullable.getFields()))
        if (isNonNullType(field.type) && field.defaultValue === undefined)
          value[field.name] = validValue(field.type, field.name);
      return value;
    }
    const samples: Record<string, unknown> = {
      ID: patientId,
      Int: 1,
      Boolean: false,
      LocalDate: '1990-01-01',
      DateTime: '2020-01-01T00:00:00Z',
      EmailAddress: 'someone@example.org',
      PhoneNumber: '+14155550123',
      JSON: { resourceType: 'Patient', name: [{ family: 'Walk', given: ['Schema'] }] },
      String: name === 'system' ? 'urn:example:walk' : 'walk',
    };
    return samples[nullable.name] ?? 'walk';
  }

  /** Every variant of `value` (of `type`) with one String/ID/JSON leaf made hostile. */
  function* hostileVariants(type: GraphQLInputType, value: unknown): Generator<{ path: string; value: unknown }> {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      for (const variant of hostileVariants(nullable.ofType, (value as unknown[])[0]))
        yield { path: `[0]${variant.path}`, value: [variant.value] };
      return;
    }
    if (isInputObjectType(nullable)) {
      const object = (value ?? {}) as Record<string, unknown>;
      for (const field of Object.values(nullable.getFields())) {
        const current = object[field.name] ?? validValue(field.type, field.name);
        for (const variant of hostileVariants(field.type, current))
          yield { path: `.${field.name}${variant.path}`, value: { ...object, [field.name]: variant.value } };
      }
      return;
    }
    const name = getNamedType(nullable).name;
    if (name === 'String' || name === 'ID') for (const hostile of HOSTILE_TEXT) yield { path: '', value: hostile };
    if (name === 'JSON') for (const hostile of HOSTILE_JSON) yield { path: '', value: hostile };
  }

  const operationOf = (kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) => {
    const declared = field.args.map((arg: GraphQLArgument) => `$${arg.name}: ${arg.type}`).join(', ');
    const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    return `${kind} Walk${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''} { __typename } }`;
  };

  const cases = (['query', 'mutation'] as const).flatMap((kind) => {
    const root = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    return Object.values(root?.getFields() ?? {}).map((field) => [kind, field.name, field] as const);
  });

  test.each(cases)('%s %s', async (kind, _name, field) => {
    // Optional arguments stay out unless under test: a valid-looking value could fail first.
    const base = Object.fromEntries(
      field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => [arg.name, validValue(arg.type, arg.name)]),
    );
    let sent = 0;
    for (const arg of field.args) {
      for (const variant of hostileVariants(arg.type, base[arg.name] ?? validValue(arg.type, arg.name))) {
        const result = await harness.execute(operationOf(kind, field), { ...base, [arg.name]: variant.value }, admin);
        const codes = (result.errors ?? []).map((error) => error.extensions?.code);
        expect({ argument: `${arg.name}${variant.path}`, codes }).not.toEqual(
          expect.objectContaining({ codes: expect.arrayContaining(['INTERNAL_SERVER_ERROR']) }),
        );
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(0);
  });
});
