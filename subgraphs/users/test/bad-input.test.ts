/**
 * A client's mistake is never INTERNAL_SERVER_ERROR in the users subgraph: every string argument
 * of every operation (walked from the served schema) is sent a NUL byte and a 10 kB string;
 * ids that are not UUIDs and malformed cursors are tried where they are read. Each answer is
 * BAD_USER_INPUT.
 */
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { createUsersHarness, type GraphQLResult, type UsersHarness } from './harness.js';

let database: TestDatabase;
let harness: UsersHarness;
let adminToken: string;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createUsersHarness(database, { SIGNUP_MAX_PER_ADDRESS: '1000' });
  adminToken = (await harness.createTestUser({ role: 'ADMIN' })).accessToken;
});
afterAll(async () => {
  await harness?.stop();
  await database?.drop();
});

const UUID = '00000000-0000-4000-8000-000000000000';
const PASSWORD = 'a quiet harbour at dawn';
/** Valid arguments for each root field: each string in them is then replaced by hostile ones. */
const VALID: Record<string, Record<string, unknown>> = {
  'Query.user': { id: UUID },
  'Query.users': { filter: { state: 'PENDING' }, first: 5, after: 'x' },
  'Query.authEvents': {
    filter: { userId: UUID, from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' },
    first: 5,
    after: 'x',
  },
  'Mutation.signUp': { input: { email: 'hostile@example.org', password: PASSWORD, name: 'Hostile', invitation: 'x' } },
  'Mutation.login': { input: { email: 'hostile@example.org', password: PASSWORD } },
  'Mutation.refreshSession': { refreshToken: 'x' },
  'Mutation.logout': { refreshToken: 'x' },
  'Mutation.changePassword': { currentPassword: PASSWORD, newPassword: PASSWORD },
  'Mutation.approveUser': { id: UUID, role: 'VIEWER' },
  'Mutation.inviteUser': { email: 'hostile@example.org', role: 'VIEWER' },
  'Mutation.setUserRole': { id: UUID, role: 'VIEWER' },
  'Mutation.deactivateUser': { id: UUID },
};
const HOSTILE = { 'a NUL byte': 'a\u0000b', 'a 10 kB string': 'x'.repeat(10_240) };
const STRING_SCALARS = new Set(['String', 'ID', 'EmailAddress', 'DateTime']);

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface SchemaType {
  name: string;
  kind: string;
  fields: { name: string; args: { name: string; type: TypeRef }[]; type: TypeRef }[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
}
const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const INTROSPECTION = `{ __schema { types { name kind
  fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
  inputFields { name type { ${TYPE_REF} } } } } }`;

const named = (type: TypeRef): TypeRef => (type.ofType ? named(type.ofType) : type);
const typeString = (type: TypeRef): string =>
  type.kind === 'NON_NULL'
    ? `${typeString(type.ofType as TypeRef)}!`
    : type.kind === 'LIST'
      ? `[${typeString(type.ofType as TypeRef)}]`
      : (type.name as string);

let types: Map<string, SchemaType>;
async function schemaTypes() {
  if (types) return types;
  const result = await harness.execute(INTROSPECTION);
  types = new Map(((result.data?.__schema.types ?? []) as SchemaType[]).map((type) => [type.name, type]));
  return types;
}

/** Paths (`input.email`) of every string-like argument of `field`, input objects walked. */
function stringPaths(args: { name: string; type: TypeRef }[], prefix = ''): string[] {
  return args.flatMap((arg) => {
    const type = named(arg.type);
    const path = `${prefix}${arg.name}`;
    if (type.kind === 'SCALAR') return STRING_SCALARS.has(type.name as string) ? [path] : [];
    if (type.kind === 'INPUT_OBJECT') return stringPaths(types.get(type.name as string)?.inputFields ?? [], `${path}.`);
    return [];
  });
}

function withValue(args: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...args, [head]: value };
  return { ...args, [head]: withValue((args[head] as Record<string, unknown>) ?? {}, rest.join('.'), value) };
}

/** `field` of `root` called with `variables` (one variable per argument), selecting __typename if it is an object. */
async function call(root: string, field: string, variables: Record<string, unknown>): Promise<GraphQLResult> {
  const rootType = (await schemaTypes()).get(root) as SchemaType;
  const definition = rootType.fields?.find((candidate) => candidate.name === field);
  if (!definition) throw new Error(`${root}.${field} is not in the schema`);
  const declared = definition.args.map((arg) => `$${arg.name}: ${typeString(arg.type)}`).join(', ');
  const passed = definition.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = ['OBJECT', 'INTERFACE'].includes(named(definition.type).kind) ? ' { __typename }' : '';
  const operation = `${root === 'Query' ? 'query' : 'mutation'} Probe${declared ? `(${declared})` : ''} { ${field}${passed ? `(${passed})` : ''}${selection} }`;
  return harness.execute(operation, variables, adminToken, { ip: '198.51.100.200' });
}

const codesOf = (result: GraphQLResult) => (result.errors ?? []).map((error) => error.extensions?.code);

test('every root field with arguments has valid arguments in this test, so none escapes the walk', async () => {
  const all = await schemaTypes();
  const withArgs = ['Query', 'Mutation'].flatMap((root) =>
    (all.get(root)?.fields ?? [])
      .filter((field) => field.args.length && !field.name.startsWith('_'))
      .map((field) => `${root}.${field.name}`),
  );
  expect(withArgs.sort()).toEqual(Object.keys(VALID).sort());
});

test('a NUL byte or a 10 kB string in any string argument is BAD_USER_INPUT', async () => {
  const all = await schemaTypes();
  const answers: string[] = [];
  for (const [key, args] of Object.entries(VALID)) {
    const [root, field] = key.split('.') as [string, string];
    const definition = all.get(root)?.fields?.find((candidate) => candidate.name === field);
    for (const path of stringPaths(definition?.args ?? [])) {
      for (const [what, value] of Object.entries(HOSTILE)) {
        const result = await call(root, field, withValue(args, path, value));
        answers.push(`${key}(${path}: ${what}): ${codesOf(result).join(',') || 'no error'}`);
      }
    }
  }
  expect(answers.length).toBeGreaterThan(30);
  expect(answers.filter((answer) => !answer.endsWith(': BAD_USER_INPUT'))).toEqual([]);
});

test.each(['Query.user', 'Mutation.setUserRole', 'Mutation.deactivateUser', 'Mutation.approveUser'])(
  'an id that is not a UUID is BAD_USER_INPUT in %s',
  async (key) => {
    const [root, field] = key.split('.') as [string, string];
    for (const id of ['not-a-uuid', '1', "00000000-0000-4000-8000-00000000000' OR 1=1"]) {
      const result = await call(root, field, { ...VALID[key], id });
      expect({ id, codes: codesOf(result) }).toEqual({ id, codes: ['BAD_USER_INPUT'] });
    }
  },
);

test.each(['Query.users', 'Query.authEvents'])('a malformed cursor is BAD_USER_INPUT in %s', async (key) => {
  const [root, field] = key.split('.') as [string, string];
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const after of [
    '%%%',
    encode('not an array'),
    encode(['not a date', UUID]),
    encode(['2030-01-01T00:00:00.000Z', 'not-a-uuid']),
    encode(['2030-13-45T99:00:00Z', UUID]),
    encode([]),
  ]) {
    const { filter: _filter, ...args } = VALID[key] as Record<string, unknown>;
    const result = await call(root, field, { ...args, after });
    expect({ after, codes: codesOf(result) }).toEqual({ after, codes: ['BAD_USER_INPUT'] });
  }
});
