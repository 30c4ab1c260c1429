/**
 * The gateway's entity cache on its own: which representations reach the subgraph, how its
 * answer is merged back in order, what is kept and for whom. The real subgraphs and the HTTP path
 * are in auth.test.ts ("the gateway's entity cache").
 */
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { asksForFreshAnswer } from '../src/context.js';
import { EntityCache, isEntitiesFetch } from '../src/entity-cache.js';

const QUERY = 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{email}}}';
const user = (id: string) => ({ __typename: 'User', id });
const email = (id: string) => ({ email: `${id}@example.org` });

/** A stand-in subgraph: answers each representation with its email, and records what it was sent. */
function subgraph(answer?: (representations: { id: string }[]) => GatewayGraphQLResponse) {
  const calls: string[][] = [];
  const send = async (representations: unknown[]) => {
    const sent = representations as { id: string }[];
    calls.push(sent.map((representation) => representation.id));
    return answer ? answer(sent) : { data: { _entities: sent.map(({ id }) => email(id)) } };
  };
  return { calls, send };
}

const fetchOf = (ids: string[], scope = 'reader:CLINICIAN', fresh = false) => ({
  scope,
  query: QUERY,
  variables: { representations: ids.map(user) },
  fresh,
});

test('only _entities fetches are taken', () => {
  expect(isEntitiesFetch(QUERY, { representations: [user('a')] })).toBe(true);
  expect(isEntitiesFetch('{ me { id } }', {})).toBe(false);
  expect(isEntitiesFetch(QUERY, { representations: 'not a list' })).toBe(false);
});

test('a second fetch of the same entities by the same viewer does not reach the subgraph', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const { calls, send } = subgraph();
  const first = await cache.resolve(fetchOf(['a', 'b']), send);
  const second = await cache.resolve(fetchOf(['a', 'b']), send);
  expect(calls).toEqual([['a', 'b']]);
  expect(second).toEqual(first);
  expect(second.data).toEqual({ _entities: [email('a'), email('b')] });
});

test('a partial hit sends only the missing representations and merges the answer in order', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const { calls, send } = subgraph();
  await cache.resolve(fetchOf(['b']), send);
  const merged = await cache.resolve(fetchOf(['a', 'b', 'c']), send);
  expect(calls).toEqual([['b'], ['a', 'c']]);
  expect(merged.data).toEqual({ _entities: [email('a'), email('b'), email('c')] });
});

test('kept answers are private to one viewer and role', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const { calls, send } = subgraph();
  await cache.resolve(fetchOf(['a'], 'reader:CLINICIAN'), send);
  await cache.resolve(fetchOf(['a'], 'reader:VIEWER'), send);
  await cache.resolve(fetchOf(['a'], 'other:CLINICIAN'), send);
  expect(calls).toEqual([['a'], ['a'], ['a']]);
});

test('an entity the subgraph answered with an error is not kept, and its error keeps pointing at it', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const failing = subgraph((sent) => ({
    data: { _entities: sent.map(({ id }) => (id === 'c' ? null : email(id))) },
    errors: sent.flatMap(({ id }, index) =>
      id === 'c' ? [{ message: 'Sign in first', path: ['_entities', index, 'email'] }] : [],
    ),
  }));
  await cache.resolve(fetchOf(['a']), failing.send);
  const answer = await cache.resolve(fetchOf(['a', 'b', 'c']), failing.send);
  // 'c' was the second representation sent, and is the third of the whole fetch.
  expect(answer.errors).toEqual([{ message: 'Sign in first', path: ['_entities', 2, 'email'] }]);
  expect(answer.data).toEqual({ _entities: [email('a'), email('b'), null] });
  await cache.resolve(fetchOf(['a', 'b', 'c']), failing.send);
  expect(failing.calls).toEqual([['a'], ['b', 'c'], ['c']]);
});

test('an error about the whole fetch keeps nothing and is passed on', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const broken = subgraph(() => ({ data: null, errors: [{ message: 'database away' }] }));
  const answer = await cache.resolve(fetchOf(['a']), broken.send);
  expect(answer).toEqual({ data: null, errors: [{ message: 'database away' }] });
  await cache.resolve(fetchOf(['a']), broken.send);
  expect(broken.calls).toEqual([['a'], ['a']]);
});

test('a fresh fetch goes to the subgraph and replaces what was kept', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  let version = 1;
  const changing = subgraph((sent) => ({
    data: { _entities: sent.map(() => ({ email: `v${version}@example.org` })) },
  }));
  await cache.resolve(fetchOf(['a']), changing.send);
  version = 2;
  expect((await cache.resolve(fetchOf(['a']), changing.send)).data).toEqual({
    _entities: [{ email: 'v1@example.org' }],
  });
  const fresh = await cache.resolve(fetchOf(['a'], 'reader:CLINICIAN', true), changing.send);
  expect(fresh.data).toEqual({ _entities: [{ email: 'v2@example.org' }] });
  expect((await cache.resolve(fetchOf(['a']), changing.send)).data).toEqual({
    _entities: [{ email: 'v2@example.org' }],
  });
  expect(changing.calls).toEqual([['a'], ['a']]);
});

test('entries expire after the TTL', async () => {
  const cache = new EntityCache({ ttlSeconds: 0.05, maxEntries: 100 });
  const { calls, send } = subgraph();
  await cache.resolve(fetchOf(['a']), send);
  await new Promise((resolve) => setTimeout(resolve, 120));
  await cache.resolve(fetchOf(['a']), send);
  expect(calls).toEqual([['a'], ['a']]);
});

test('each answer is a copy: changing one does not change what is kept', async () => {
  const cache = new EntityCache({ ttlSeconds: 10, maxEntries: 100 });
  const { send } = subgraph();
  await cache.resolve(fetchOf(['a']), send);
  const hit = await cache.resolve(fetchOf(['a']), send);
  (hit.data as { _entities: { email: string }[] })._entities[0] = { email: 'changed@example.org' };
  ((await cache.resolve(fetchOf(['a']), send)).data as { _entities: { email: string }[] })._entities[0]!.email = 'x';
  expect((await cache.resolve(fetchOf(['a']), send)).data).toEqual({ _entities: [email('a')] });
});

test('a request asks for fresh entities with Cache-Control: no-cache or Pragma: no-cache, and only so', () => {
  expect(asksForFreshAnswer({ 'cache-control': 'no-cache' })).toBe(true);
  expect(asksForFreshAnswer({ 'cache-control': 'max-age=0, No-Cache' })).toBe(true);
  expect(asksForFreshAnswer({ pragma: 'no-cache' })).toBe(true);
  expect(asksForFreshAnswer({})).toBe(false);
  expect(asksForFreshAnswer({ 'cache-control': 'no-store' })).toBe(false);
  expect(asksForFreshAnswer({ 'cache-control': 'max-age=60' })).toBe(false);
});
