/**
 * A sign-up or sign-in flood meets the users subgraph's full hashing queue once: the gateway
 * hears when the queue takes work again and refuses the next sign-ups and sign-ins itself until
 * then (HTTP 429, RATE_LIMITED, Retry-After), through nginx, while other requests pass.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@healthsync/orm';
import { type OperationDefinitionNode, parse } from 'graphql';
import { isPasswordWork, PasswordWorkGate } from '../src/password-work.js';
import { SubgraphReplicas } from '../src/replicas.js';
import { codeOf, type GraphQLResponse, graphql, useTestStack } from '../src/stack/test-stack.js';

const operationOf = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe('which operations are password work', () => {
  test('a mutation whose every root field is signUp or login (__typename aside)', () => {
    expect(isPasswordWork(operationOf('mutation { signUp(input: $i) { accessToken } }'))).toBe(true);
    expect(isPasswordWork(operationOf('mutation { login(input: $i) { accessToken } __typename }'))).toBe(true);
    expect(isPasswordWork(operationOf('mutation { a: login(input: $i) { x } b: signUp(input: $j) { x } }'))).toBe(true);
  });

  test('anything else is not: a query, another mutation beside it, a fragment, nothing but __typename', () => {
    for (const source of [
      'query { login { x } }',
      'mutation { signUp(input: $i) { x } logout(refreshToken: $t) }',
      'mutation { refreshSession(refreshToken: $t) { x } }',
      'mutation { ...F } fragment F on Mutation { signUp(input: $i) { x } }',
      'mutation { __typename }',
    ])
      expect(isPasswordWork(operationOf(source))).toBe(false);
  });
});

describe('the gate', () => {
  const logger = createLogger('gateway', 'silent');
  const replicas = new SubgraphReplicas(['http://users-1:4001/graphql', 'http://users-2:4001/graphql']);
  const [first, second] = replicas.replicas.map(({ url }) => url) as [URL, URL];

  test('is shut only while every replica is full, until the soonest of them has room', () => {
    let now = 1_000;
    const gate = new PasswordWorkGate(logger, () => now);
    expect(gate.fullForMs()).toBe(0); // no replicas watched yet
    gate.watch(replicas);
    gate.full(first, 300);
    expect(gate.fullForMs()).toBe(0); // the second has room
    gate.full(second, 200);
    expect(gate.fullForMs()).toBe(200);
    now += 150;
    expect(gate.fullForMs()).toBe(50);
    now += 50;
    expect(gate.fullForMs()).toBe(0);
    gate.full(second, 1_000);
    expect(gate.fullForMs()).toBe(100); // the first was full until 1,300
  });

  test('a header that is not a positive number changes nothing; a huge one counts as a minute', () => {
    const now = 0;
    const gate = new PasswordWorkGate(logger, () => now);
    gate.watch(new SubgraphReplicas([first.href]));
    for (const value of [Number.NaN, 0, -5]) gate.full(first, value);
    expect(gate.fullForMs()).toBe(0);
    gate.full(first, 10 ** 9);
    expect(gate.fullForMs()).toBe(60_000);
  });

  test('a replica out of rotation does not hold the gate open; with every replica down, each counts', () => {
    const now = 0;
    const gate = new PasswordWorkGate(logger, () => now);
    const two = new SubgraphReplicas([first.href, second.href]);
    gate.watch(two);
    gate.full(first, 400);
    expect(gate.fullForMs()).toBe(0);
    (two.replicas[1] as { up: boolean }).up = false; // the second refused a connection
    expect(gate.fullForMs()).toBe(400);
    (two.replicas[0] as { up: boolean }).up = false;
    expect(gate.fullForMs()).toBe(0); // both down: both are tried, and the second may have room
  });

  test('watching the replicas again forgets what was heard of the old ones', () => {
    const gate = new PasswordWorkGate(logger, () => 0);
    const one = new SubgraphReplicas([first.href]);
    gate.watch(one);
    gate.full(first, 500);
    gate.watch(one);
    expect(gate.fullForMs()).toBe(0);
  });
});

describe('a sign-up flood through nginx', () => {
  const stack = useTestStack({
    env: {
      // Any sign-up that would wait for a hashing slot is refused at once; the per-address
      // throttle lifted, as for a flood from many addresses.
      PASSWORD_HASH_MAX_WAIT_MS: '100',
      SIGNUP_MAX_PER_ADDRESS: '1000000',
    },
  });
  const SIGN_UP = 'mutation S($input: SignUpInput!) { signUp(input: $input) { accessToken } }';
  const LOGIN = 'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }';
  const signUp = () =>
    graphql(stack().stack.urls.edge, SIGN_UP, {
      input: {
        email: `flood-${randomBytes(6).toString('hex')}@example.org`,
        password: 'a quiet harbour at dawn',
        name: 'Flood',
      },
    });

  /**
   * 20 sign-ups at once; as soon as the subgraph refuses one (HTTP 200, RATE_LIMITED), one more
   * sign-up, one sign-in and one other request, at once. Undefined when no answer was refused.
   */
  async function floodThenFollow() {
    let follow: Promise<GraphQLResponse[]> | undefined;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        signUp().then((answer) => {
          if (follow || answer.status !== 200 || codeOf(answer) !== 'RATE_LIMITED') return;
          const { edge } = stack().stack.urls;
          follow = Promise.all([
            signUp(),
            graphql(edge, LOGIN, { input: { email: 'nobody@example.org', password: 'whatever it is' } }),
            graphql(edge, '{ __typename }'),
          ]);
        }),
      ),
    );
    return follow;
  }

  test('the next sign-up and sign-in are refused at the gateway (429, Retry-After); other requests pass', async () => {
    // The queue's room estimate is short (its recent hashing time): on a slow moment the follow-up
    // may arrive after it. A few floods, then every check on the first follow-up refused at the gateway.
    let followed: GraphQLResponse[] | undefined;
    for (let attempt = 0; attempt < 5 && followed?.[0]?.status !== 429; attempt++) followed = await floodThenFollow();
    const [again, login, other] = followed ?? [];
    expect(again?.status).toBe(429);
    expect(again?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(again?.errors?.[0]).toEqual({
      message: expect.stringMatching(/^Too many attempts; retry in \d+ s$/),
      extensions: { code: 'RATE_LIMITED', retryAfter: Number(again?.headers.get('retry-after')) },
    });
    expect([login?.status, codeOf(login as GraphQLResponse)]).toEqual([429, 'RATE_LIMITED']);
    expect([other?.status, other?.data]).toEqual([200, { __typename: 'Query' }]);
  }, 120_000);

  test('once the queue has room again, sign-ups go to the subgraph as before', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const answer = await signUp();
    expect(answer.status).toBe(200);
    expect(answer.data?.signUp.accessToken).toEqual(expect.any(String));
  }, 60_000);
});
