/**
 * A client's mistake is never a server error, through nginx on the whole stack:
 * - every custom scalar the public schema takes as input, as a variable and as an inline literal:
 *   a bad value is BAD_USER_INPUT / GRAPHQL_VALIDATION_FAILED (checked by the gateway), a good one
 *   goes through;
 * - a walk over the served schema that sends every argument of every Query and Mutation field
 *   (and every field of the input objects they take) ill-typed and hostile values: none may answer
 *   INTERNAL_SERVER_ERROR or HTTP 5xx.
 */
import { randomUUID } from 'node:crypto';
import {
  buildClientSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  type IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
} from 'graphql';
import { type GraphQLResponse, graphql, postGraphQL, useTestStack } from '../src/stack/test-stack.js';

const ADMIN = { email: 'walker@example.org', password: 'the walking admin passphrase' };
const testStack = useTestStack({
  env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
  // Several hundred requests from one address in a few seconds.
  launcher: { edgeRate: { limit: 10_000, burst: 10_000 } },
});

let schema: GraphQLSchema;
let auth: Record<string, string>;
/** A patient that exists, so that patient operations get past "not found" to their input checks. */
let patientId: string;

beforeAll(async () => {
  const { edge } = testStack();
  const login = await graphql(edge, 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
    input: ADMIN,
  });
  auth = { authorization: `Bearer ${login.data?.login.accessToken}` };
  const introspection = await graphql(edge, getIntrospectionQuery(), {}, auth);
  schema = buildClientSchema(introspection.data as unknown as IntrospectionQuery);
  const created = await graphql(
    edge,
    'mutation($input: CreatePatientInput!) { createPatient(input: $input) { id } }',
    { input: { givenName: 'Walk', familyName: 'Target' } },
    auth,
  );
  patientId = created.data?.createPatient.id;
  expect(patientId).toEqual(expect.any(String));
});

const codesOf = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.code);

/** Custom scalars (not GraphQL's own) that appear in an argument or an input object field. */
function inputScalars(served: GraphQLSchema): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: GraphQLInputType) => {
    const named = getNamedType(type);
    if (seen.has(named.name)) return;
    seen.add(named.name);
    if (isScalarType(named) && !isSpecifiedScalarType(named)) found.add(named.name);
    if (isInputObjectType(named)) for (const field of Object.values(named.getFields())) visit(field.type);
  };
  for (const type of Object.values(served.getTypeMap()))
    if (isObjectType(type) && !type.name.startsWith('__'))
      for (const field of Object.values(type.getFields())) for (const arg of field.args) visit(arg.type);
  return [...found].sort();
}

describe('every custom input scalar, as a variable and as an inline literal', () => {
  /** Where each scalar goes in, a value it accepts and one it refuses; `literal` is the GraphQL text of the value. */
  const CASES: Record<string, { good: unknown; bad: unknown; field?: string }> = {
    EmailAddress: { good: 'ada@example.org', bad: 'not-an-email', field: 'email' },
    PhoneNumber: { good: '+14155552671', bad: 'call me maybe', field: 'phone' },
    LocalDate: { good: '1990-02-28', bad: '1990-02-30', field: 'birthDate' },
    DateTime: { good: '2020-01-01T10:00:00Z', bad: '2020-02-30T10:00:00Z', field: 'deceasedAt' },
    // Every JSON value is one: what importPatients refuses is its content (the subgraph says so).
    JSON: { good: [], bad: 'not a FHIR resource' },
  };
  const literal = (value: unknown) => JSON.stringify(value);
  const operation = (scalar: string, value: string) => {
    const field = CASES[scalar]?.field;
    return field
      ? `mutation { createPatient(input: { givenName: "Scalar", familyName: "${scalar}", ${field}: ${value} }) { id } }`
      : `mutation { importPatients(resources: ${value}) { created } }`;
  };
  const withVariable = (scalar: string) => {
    const field = CASES[scalar]?.field;
    return field
      ? `mutation($v: ${scalar}) { createPatient(input: { givenName: "Scalar", familyName: "${scalar}", ${field}: $v }) { id } }`
      : `mutation($v: ${scalar}!) { importPatients(resources: $v) { created } }`;
  };

  test('the cases cover every custom scalar the served schema takes as input', () => {
    expect(Object.keys(CASES).sort()).toEqual(inputScalars(schema));
  });

  test.each(Object.keys(CASES))('%s', async (scalar) => {
    const { edge } = testStack();
    const { good, bad, field } = CASES[scalar] as (typeof CASES)[string];
    const answers = {
      goodVariable: await graphql(edge, withVariable(scalar), { v: good }, auth),
      goodLiteral: await postGraphQL(edge, { query: operation(scalar, literal(good)) }, auth),
      badVariable: await graphql(edge, withVariable(scalar), { v: bad }, auth),
      badLiteral: await postGraphQL(edge, { query: operation(scalar, literal(bad)) }, auth),
    };
    const summary = Object.fromEntries(
      Object.entries(answers).map(([name, answer]) => [name, [answer.status, codesOf(answer)]]),
    );
    expect(summary).toEqual(
      field
        ? {
            goodVariable: [200, []],
            goodLiteral: [200, []],
            badVariable: [400, ['BAD_USER_INPUT']],
            badLiteral: [400, ['GRAPHQL_VALIDATION_FAILED']],
          }
        : {
            goodVariable: [200, []],
            goodLiteral: [200, []],
            badVariable: [200, ['BAD_USER_INPUT']],
            badLiteral: [200, ['BAD_USER_INPUT']],
          },
    );
  });
});

describe('hostile values for every argument of every Query and Mutation field', () => {
  const TEN_KB = 'x'.repeat(10_240);
  /** Strings a resolver, a cursor decoder or PostgreSQL might choke on. */
  const HOSTILE_STRINGS = ['a\u0000b', TEN_KB, '1990-02-30', 'not-a-uuid', '', '\u{1F600}\uD800'];
  const HOSTILE: Record<string, unknown[]> = {
    String: [...HOSTILE_STRINGS, 42, { not: 'a string' }],
    ID: [...HOSTILE_STRINGS, 42, -1, 1.5],
    Int: ['abc', 2 ** 31, -1, 0, 1_000_000, 1.5],
    Float: ['abc', Number.MAX_VALUE, -1],
    Boolean: ['yes', 1],
    JSON: [
      ...HOSTILE_STRINGS,
      null,
      { resourceType: 'Patient', id: 'not-a-uuid', birthDate: '1990-02-30', name: [{ family: 'a\u0000b' }] },
      [{ resourceType: 'Patient', name: [{ family: TEN_KB, given: [TEN_KB] }], gender: 'x' }],
    ],
  };
  const VALID_SCALARS: Record<string, unknown> = {
    String: 'walk',
    Int: 1,
    Float: 1,
    Boolean: false,
    EmailAddress: 'walk@example.org',
    PhoneNumber: '+14155552671',
    LocalDate: '1990-01-01',
    DateTime: '2020-01-01T00:00:00Z',
    JSON: [],
    JSONObject: {},
  };

  /** A value `type` accepts: the least an operation needs to get past coercion. */
  function validValue(type: GraphQLInputType, id: () => string): unknown {
    if (isNonNullType(type)) return validValue(type.ofType, id);
    if (isListType(type)) return [validValue(type.ofType, id)];
    if (isEnumType(type)) return type.getValues()[0]?.value;
    if (isInputObjectType(type))
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
          .map((field) => [field.name, validValue(field.type, id)]),
      );
    return type.name === 'ID' ? id() : VALID_SCALARS[type.name];
  }

  /** Hostile values for a position of named type `named`; custom scalars get the strings and a wrong type. */
  function hostileValues(named: GraphQLNamedType): unknown[] {
    if (isEnumType(named)) return ['NOT_A_VALUE', 1, ...HOSTILE_STRINGS.slice(0, 2)];
    if (isInputObjectType(named)) return ['a string', 42];
    return HOSTILE[named.name] ?? [...HOSTILE_STRINGS, 42, { not: 'a scalar' }];
  }

  interface Case {
    label: string;
    query: string;
    variables: Record<string, unknown>;
  }

  /** For one argument: each hostile value at the argument itself and at every field of its input objects. */
  function* casesFor(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): Generator<Case> {
    // Patient operations get a patient that exists; any other id is a fresh one (so no account is touched).
    const returnsPatient = getNamedType(field.type).name === 'Patient';
    const id = () => (returnsPatient ? patientId : randomUUID());
    const named = getNamedType(field.type);
    const selection = isObjectType(named) ? ' { __typename }' : '';
    const definitions = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
    const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const query = `${operation} Walk${definitions ? `(${definitions})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
    const required = (arg: GraphQLArgument) => isNonNullType(arg.type) && arg.defaultValue === undefined;
    const base = () =>
      Object.fromEntries(field.args.filter(required).map((arg) => [arg.name, validValue(arg.type, id)]));

    /** Every position under `type`: its path of field names from the argument, and its type. */
    function* positions(
      type: GraphQLInputType,
      path: string[],
      seen: Set<string>,
    ): Generator<[string[], GraphQLInputType]> {
      yield [path, type];
      const inner = getNamedType(type);
      if (!isInputObjectType(inner) || seen.has(inner.name)) return;
      for (const child of Object.values(inner.getFields()))
        yield* positions(child.type, [...path, child.name], new Set([...seen, inner.name]));
    }
    for (const arg of field.args)
      for (const [path, type] of positions(arg.type, [], new Set()))
        for (const hostile of hostileValues(getNamedType(type))) {
          const variables = { ...base(), [arg.name]: valueWith(arg.type, path, hostile, id) };
          const shown = JSON.stringify(hostile)?.slice(0, 30) ?? String(hostile);
          yield { label: `${field.name}(${[arg.name, ...path].join('.')}) = ${shown}`, query, variables };
        }
  }

  /** A valid value of `type` with `hostile` at `path` (field names down its input objects). */
  function valueWith(type: GraphQLInputType, path: string[], hostile: unknown, id: () => string): unknown {
    if (path.length === 0) return hostile;
    if (isNonNullType(type)) return valueWith(type.ofType, path, hostile, id);
    if (isListType(type)) return [valueWith(type.ofType, path, hostile, id)];
    const [key, ...rest] = path as [string, ...string[]];
    if (!isInputObjectType(type)) throw new Error(`${key}: not a field of an input object`);
    const fieldType = type.getFields()[key]?.type as GraphQLInputType;
    return { ...(validValue(type, id) as object), [key]: valueWith(fieldType, rest, hostile, id) };
  }

  test('none answers INTERNAL_SERVER_ERROR or HTTP 5xx', async () => {
    const { edge } = testStack();
    const failures: string[] = [];
    let sent = 0;
    let reachedResolvers = 0;
    for (const operation of ['query', 'mutation'] as const) {
      const root = operation === 'query' ? schema.getQueryType() : schema.getMutationType();
      for (const field of Object.values(root?.getFields() ?? {})) {
        if (field.name.startsWith('_')) continue;
        for (const { label, query, variables } of casesFor(operation, field)) {
          const answer = await graphql(edge, query, variables, auth);
          sent++;
          if (answer.status === 200) reachedResolvers++;
          const codes = codesOf(answer);
          if (answer.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR') || codes.includes(undefined))
            failures.push(`${label}: HTTP ${answer.status} ${codes.join(',')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // The walk reached the resolvers, not only the gateway's checks.
    expect(sent).toBeGreaterThan(300);
    expect(reachedResolvers).toBeGreaterThan(100);
  }, 120_000);
});
