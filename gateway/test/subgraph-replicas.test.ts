import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubgraphReplicas } from '../src/replicas.js';

/** A liveness endpoint that answers once `alive` is set. */
function liveness(): Promise<{ url: string; alive: { value: boolean }; server: Server }> {
  const alive = { value: false };
  const server = createServer((_req, res) => {
    res.statusCode = alive.value ? 200 : 503;
    res.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, alive, server }),
    ),
  );
}

test('replicas are taken in turn, each first once per round', () => {
  const replicas = new SubgraphReplicas(['http://a.test/graphql', 'http://b.test/graphql', 'http://c.test/graphql']);
  const firsts = Array.from({ length: 6 }, () => replicas.order()[0]?.url.host);
  expect(firsts).toEqual(['a.test', 'b.test', 'c.test', 'a.test', 'b.test', 'c.test']);
  expect(replicas.order().map((replica) => replica.url.host)).toEqual(['a.test', 'b.test', 'c.test']);
});

test('a replica marked down is skipped until its liveness endpoint answers, then taken again', async () => {
  const down = await liveness();
  const replicas = new SubgraphReplicas([down.url, 'http://up.test/graphql'], 50);
  try {
    replicas.markDown(replicas.replicas[0] as (typeof replicas.replicas)[number]);
    for (let i = 0; i < 4; i++) expect(replicas.order().map((replica) => replica.url.host)).toEqual(['up.test']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Still not answering: still skipped.
    expect(replicas.order().map((replica) => replica.url.host)).toEqual(['up.test']);
    down.alive.value = true;
    const deadline = Date.now() + 2_000;
    while (!replicas.replicas[0]?.up && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(replicas.replicas[0]?.up).toBe(true);
    expect(new Set([replicas.order()[0], replicas.order()[0]].map((replica) => replica?.url.host)).size).toBe(2);
  } finally {
    replicas.close();
    down.server.close();
  }
});

test('with every replica down, each is still tried', () => {
  const replicas = new SubgraphReplicas(['http://a.test/graphql', 'http://b.test/graphql'], 60_000);
  for (const replica of replicas.replicas) replicas.markDown(replica);
  expect(replicas.order()).toHaveLength(2);
  replicas.close();
});
