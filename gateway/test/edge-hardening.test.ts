/**
 * The NGINX edge's own protections, through the real nginx binary in front of a whole stack
 * (NODE_ENV=production): security headers, gzip for JSON, request ids, /health, and the rate
 * limit on /graphql answering 429 RATE_LIMITED.
 */
import { useTestStack } from '../src/stack/test-stack.js';

const edge = useTestStack({ nodeEnv: 'production' });

const post = (body: object, headers: Record<string, string> = {}) =>
  fetch(edge().edge, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function expectSecurityHeaders(headers: Headers) {
  const present = Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, headers.get(name)]));
  expect(present).toEqual(SECURITY_HEADERS);
}

test('GraphQL answers, /health and unknown paths all carry the security headers and a request id', async () => {
  const graphql = await post({ query: '{ __typename }' }, { 'x-request-id': 'edge-hardening-1' });
  expect(graphql.status).toBe(200);
  expect(graphql.headers.get('x-request-id')).toBe('edge-hardening-1');
  expectSecurityHeaders(graphql.headers);

  const origin = new URL(edge().edge).origin;
  const health = await fetch(`${origin}/health`);
  expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([200, 'up']);
  expectSecurityHeaders(health.headers);

  const missing = await fetch(`${origin}/nowhere`);
  expect(missing.status).toBe(404);
  expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  expectSecurityHeaders(missing.headers);
});

test('JSON answers over 1 kB are gzipped for clients that accept it', async () => {
  const email = `edge-${Date.now()}@example.org`;
  const signUp = await post({
    query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
    variables: { input: { email, password: 'a long and unusual passphrase 42', name: 'Edge Tester' } },
  });
  const { data } = (await signUp.json()) as { data: { signUp: { accessToken: string } } };
  const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: me { id email name role createdAt }`).join(' ');
  const headers = { authorization: `Bearer ${data.signUp.accessToken}`, 'accept-encoding': 'gzip' };

  const response = await post({ query: `{ ${aliases} }` }, headers);
  expect(response.headers.get('content-encoding')).toBe('gzip');
  // fetch has already inflated the body: it is the JSON answer.
  const text = await response.text();
  expect(text.length).toBeGreaterThan(1024);
  expect((JSON.parse(text) as { data: Record<string, { email: string }> }).data.a11?.email).toBe(email);
});

test('a burst beyond the rate limit gets 429 RATE_LIMITED as GraphQL JSON, not 503', async () => {
  const responses = await Promise.all(
    Array.from({ length: 300 }, () =>
      post({ query: '{ __typename }' }).then(async (response) => ({
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.text(),
        headers: response.headers,
      })),
    ),
  );
  const statuses = new Set(responses.map((response) => response.status));
  expect([...statuses].sort()).toEqual([200, 429]);
  const limited = responses.find((response) => response.status === 429)!;
  expect(limited.type).toBe('application/json');
  expect(JSON.parse(limited.body)).toEqual({
    errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }],
  });
  expectSecurityHeaders(limited.headers);
});
