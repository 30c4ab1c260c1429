/** The npm start launcher's refusals and the nginx template rendering, without starting a stack. */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { describeStartupError } from '@healthsync/orm';
import { loadStackConfig } from '../src/environment.js';
import { NGINX_TEMPLATE, renderTemplate } from '../src/stack/nginx.js';
import { StackStartError } from '../src/stack/processes.js';
import { describeSignUp, type StackOptions, startStack } from '../src/stack/stack.js';
import { testStackOptions } from '../src/stack/test-stack.js';

/** Options whose database cannot be reached: a refusal that comes first proves nothing started. */
const options = (overrides: Partial<StackOptions>): StackOptions =>
  testStackOptions({ databaseUrl: 'postgres://nobody@127.0.0.1:1/unreachable', dataDir: '/nonexistent', ...overrides });

test('a port already in use is one clear line, before anything starts', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const error = await startStack(options({ ports: { edge: 0, gateway: 0, users: port, patients: 0 } })).catch(
      (e: unknown) => e,
    );
    expect(describeStartupError(error)).toBe(
      `port already in use: 127.0.0.1:${port} (users subgraph); stop what listens there or choose another port`,
    );
  } finally {
    server.close();
  }
});

test("without nginx the gateway's fallback edge is checked on EDGE_HOST, 127.0.0.1 unless told otherwise", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    for (const edgeHost of [undefined, '127.0.0.2']) {
      const error = await startStack(
        options({
          nginxBin: '/nonexistent/nginx',
          ports: { edge: port, gateway: 0, users: 0, patients: 0 },
          ...(edgeHost ? { edgeHost } : {}),
        }),
      ).catch((e: unknown) => e);
      expect(describeStartupError(error)).toBe(
        `port already in use: ${edgeHost ?? '127.0.0.1'}:${port} (edge: gateway); stop what listens there or choose another port`,
      );
    }
  } finally {
    server.close();
  }
});

test('REQUIRE_NGINX without an nginx binary refuses to start', async () => {
  const start = startStack(options({ nginxBin: '/nonexistent/nginx', requireNginx: true }));
  await expect(start).rejects.toThrow(StackStartError);
  await expect(start).rejects.toThrow(/nginx is required/);
});

test('the sign-up line follows SIGNUP_MODE, and its default follows NODE_ENV', () => {
  expect(describeSignUp({}, 'development')).toMatch(/^sign-up: open — .* CLINICIAN .*SIGNUP_MODE=approval/);
  expect(describeSignUp({ SIGNUP_DEFAULT_ROLE: 'VIEWER' }, 'test')).toContain('a VIEWER account');
  expect(describeSignUp({}, 'production')).toMatch(/^sign-up: approval — /);
  expect(describeSignUp({ SIGNUP_MODE: 'invite' }, 'production')).toMatch(/^sign-up: invite — /);
  expect(describeSignUp({ SIGNUP_MODE: 'open' }, 'production')).toMatch(/^sign-up: open — /);
});

test("the launcher's edge settings: an address to listen on, TLS files in pairs, one trusted balancer", () => {
  expect(loadStackConfig({}).EDGE_HOST).toBe('127.0.0.1');
  expect(loadStackConfig({ EDGE_HOST: '::' }).EDGE_HOST).toBe('::');
  expect(loadStackConfig({ EDGE_TRUSTED_PROXIES: '10.0.0.0/8' }).EDGE_TRUSTED_PROXIES).toBe('10.0.0.0/8');
  for (const [key, value] of [
    ['EDGE_HOST', 'example.org'],
    ['EDGE_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['EDGE_TRUSTED_PROXIES', '10.0.0.1,10.0.0.2'],
    ['TLS_KEY_FILE', '/k.pem'],
  ] as const)
    expect(() => loadStackConfig({ [key]: value })).toThrow(new RegExp(key === 'TLS_KEY_FILE' ? 'go together' : key));
  expect(
    loadStackConfig({ DATABASE_URL: 'postgres://admin@db:5432/healthsync', DATABASE_PASSWORD: 'p@ss' }).DATABASE_URL,
  ).toBe('postgres://admin:p%40ss@db:5432/healthsync');
});

test('TLS without nginx refuses to start: the gateway cannot terminate it', async () => {
  const start = startStack(
    options({ nginxBin: '/nonexistent/nginx', tls: { certFile: '/c.pem', keyFile: '/k.pem', port: 0 } }),
  );
  await expect(start).rejects.toThrow(/TLS_CERT_FILE needs nginx/);
});

describe('the nginx template', () => {
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const variables = {
    NGINX_LISTEN: '8000',
    GATEWAY_UPSTREAM: 'gateway:4000',
    GATEWAY_RESOLVE: '',
    NGINX_RESOLVER: '127.0.0.1',
    USERS_UPSTREAM: 'users:4001',
    EDGE_TRUSTED_PROXIES: 'unix:',
    EDGE_RATE_LIMIT: '7',
    EDGE_RATE_BURST: '11',
  };

  test('renders its placeholders and leaves nginx variables alone', () => {
    const rendered = renderTemplate(template, variables);
    expect(rendered).toContain('server gateway:4000');
    expect(rendered).toContain('server users:4001');
    expect(rendered).toMatch(/listen 8000;/);
    expect(rendered).toMatch(/limit_req_zone \S+ zone=healthsync_graphql:\S+ rate=7r\/s;/);
    expect(rendered).toMatch(/limit_req zone=healthsync_graphql burst=11 nodelay;/);
    expect(rendered).toContain('$request_id');
    expect(rendered).not.toMatch(/\$\{/);
  });

  test('a placeholder without a value is an error, not an empty string for nginx', () => {
    expect(() => renderTemplate(template, { ...variables, USERS_UPSTREAM: undefined as never })).toThrow(
      /no value for USERS_UPSTREAM/,
    );
  });
});
