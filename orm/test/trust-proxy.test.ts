import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { z } from 'zod';
import { createLogger, EnvironmentError, parseEnvironment } from '@healthsync/orm';
import { GATEWAY_LIMITS, type RunningService, serviceEnvironment, startGraphQLService } from '@healthsync/orm/http';

const Environment = z.object(serviceEnvironment({ port: 4000, limits: GATEWAY_LIMITS }));
const trustProxyOf = (TRUST_PROXY?: string) => parseEnvironment(Environment, { TRUST_PROXY }).TRUST_PROXY;

describe('TRUST_PROXY', () => {
  test('defaults to loopback; takes a hop count, range names, addresses and subnets', () => {
    expect(trustProxyOf()).toBe('loopback');
    expect(trustProxyOf('2')).toBe(2);
    expect(trustProxyOf('uniquelocal')).toBe('uniquelocal');
    expect(trustProxyOf('loopback, 172.18.0.0/16,10.0.0.1,fd00::/8')).toBe('loopback, 172.18.0.0/16,10.0.0.1,fd00::/8');
  });

  test('a value express would not understand is listed with the other bad variables', () => {
    for (const value of ['nginx', '10.0.0.0/8/8', 'loopback;uniquelocal']) {
      expect(() => trustProxyOf(value)).toThrow(EnvironmentError);
      expect(() => trustProxyOf(value)).toThrow(/TRUST_PROXY/);
    }
  });
});

/** A service answering `{ ip }` with express's `req.ip` for the request. */
async function startIpService(trustProxy?: string | number): Promise<RunningService> {
  const apollo = new ApolloServer<{ ip: string | undefined }>({
    schema: buildSchema('type Query { ip: String }'),
    rootValue: { ip: (_args: unknown, context: { ip: string | undefined }) => context.ip },
  });
  return startGraphQLService({
    name: 'trust proxy test',
    logger: createLogger('test', 'silent'),
    host: '127.0.0.1',
    port: 0,
    bodyLimit: '1kb',
    apollo,
    context: async ({ req }) => ({ ip: req.ip }),
    ...(trustProxy === undefined ? {} : { trustProxy }),
  });
}

async function ipSeenBy(service: RunningService): Promise<unknown> {
  const response = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
    body: JSON.stringify({ query: '{ ip }' }),
  });
  return ((await response.json()) as { data?: { ip?: string } }).data?.ip;
}

describe('the HTTP shell and forwarding headers', () => {
  test('by default a proxy on loopback names the client', async () => {
    const service = await startIpService();
    try {
      expect(await ipSeenBy(service)).toBe('203.0.113.7');
    } finally {
      await service.stop();
    }
  });

  test('a peer outside TRUST_PROXY cannot choose the address it is seen with', async () => {
    const service = await startIpService('10.0.0.0/8');
    try {
      expect(await ipSeenBy(service)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await service.stop();
    }
  });
});
