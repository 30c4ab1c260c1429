/**
 * The data CLIs' API client: what the edge asks to retry is retried, and counted, so that a bench
 * timing requests can tell the stack's latency from the waits of a rate limit.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, connect } from '../scripts/api.js';

let server: Server;
let url: string;
/** The statuses the next requests get, in order; then 200 with a GraphQL answer. */
let statuses: number[] = [];
let served = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    served++;
    const status = statuses.shift() ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      status === 200
        ? JSON.stringify({ data: { ok: true } })
        : JSON.stringify({ errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }] }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.close();
  await once(server, 'close');
});
beforeEach(() => {
  served = 0;
});

test('a 429 or 503 from the edge is retried and counted', async () => {
  const client = await connect({ url, token: 'token' });
  statuses = [429, 503];
  await expect(client.request('{ ok }')).resolves.toEqual({ ok: true });
  expect(served).toBe(3);
  expect(client.retried).toBe(2);
  await client.request('{ ok }');
  expect(client.retried).toBe(2);
});

test('an answer that is not to be retried is not counted', async () => {
  const client = await connect({ url, token: 'token' });
  statuses = [400];
  await expect(client.request('{ ok }')).rejects.toBeInstanceOf(ApiError);
  expect(served).toBe(1);
  expect(client.retried).toBe(0);
});
