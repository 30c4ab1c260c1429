/**
 * The local GraphQL explorer as the service shell serves it (the page in a real browser:
 * gateway/test/explorer.test.ts): its policy and nonce, its files from the package, its absence
 * when turned off, and the link to it on Apollo Sandbox's page.
 */
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { pino } from 'pino';
import { EXPLORER_PATH, landingPage, type RunningService, startGraphQLService } from '@healthsync/orm/http';

const schema = buildSchema('type Query { hello: String }');

async function startService({ explorer, production }: { explorer: boolean; production: boolean }) {
  return startGraphQLService({
    name: 'explorer test',
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    apollo: new ApolloServer({ schema, rootValue: { hello: 'world' }, plugins: [landingPage(production)] }),
    bodyLimit: '2kb',
    context: async () => ({}),
    explorer,
  });
}

const running: RunningService[] = [];
afterAll(async () => {
  for (const service of running) await service.stop();
});
async function origin(options: { explorer: boolean; production: boolean }) {
  const service = await startService(options);
  running.push(service);
  return new URL(service.url).origin;
}

describe('with the explorer on (development)', () => {
  let base: string;
  beforeAll(async () => {
    base = await origin({ explorer: true, production: false });
  });

  test('/explorer sends the browser to /explorer/, where its files are relative to', async () => {
    const response = await fetch(`${base}${EXPLORER_PATH}`, { redirect: 'manual' });
    expect([response.status, response.headers.get('location')]).toEqual([301, `${EXPLORER_PATH}/`]);
  });

  test("the page runs under a strict policy: 'self' plus a fresh nonce that its one inline script carries", async () => {
    const pages = await Promise.all([1, 2].map(() => fetch(`${base}${EXPLORER_PATH}/`)));
    const nonces = await Promise.all(
      pages.map(async (page) => {
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const policy = page.headers.get('content-security-policy') ?? '';
        const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1];
        expect(policy).toContain(`script-src 'self' 'nonce-${nonce}'`);
        expect(policy).toContain(`style-src 'self' 'nonce-${nonce}'`);
        expect(policy).toContain("default-src 'none'");
        expect(policy).toContain("connect-src 'self'");
        expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
        const html = await page.text();
        // Every script is the package's own file or carries the nonce; the explorer talks to /graphql.
        const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
        expect(scripts.length).toBeGreaterThan(0);
        for (const tag of scripts)
          expect([tag, /src="[\w.-]+\.js"/.test(tag) || tag.includes(`nonce="${nonce}"`)]).toEqual([tag, true]);
        expect(html).toContain('endpointURL: `/graphql`');
        expect(html).toContain(`<base href="${EXPLORER_PATH}/">`);
        expect(html).not.toMatch(/(src|href)="https?:/);
        return nonce;
      }),
    );
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  test("its files come from the altair-static package; the script sandbox frame gets the package's own policy", async () => {
    const main = await fetch(`${base}${EXPLORER_PATH}/main.js`);
    expect([main.status, main.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
    const sandbox = await fetch(`${base}${EXPLORER_PATH}/iframe-sandbox/index.html`);
    expect([sandbox.status, sandbox.headers.get('content-security-policy')]).toEqual([200, 'sandbox allow-scripts']);
    expect((await fetch(`${base}${EXPLORER_PATH}/no-such-file.js`)).status).toBe(404);
  });

  test('the Sandbox landing page links to it in the text shown when Sandbox cannot load', async () => {
    const page = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('embeddable-sandbox.cdn.apollographql.com');
    expect(page).toMatch(
      /<div class="fallback">[\s\S]*Offline\? <a href="\/explorer\/">Open the local explorer<\/a>[\s\S]*<\/div>/,
    );
  });
});

test("with the explorer off (production) there is none, and Apollo's production page does not link to it", async () => {
  const base = await origin({ explorer: false, production: true });
  expect((await fetch(`${base}${EXPLORER_PATH}/`)).status).toBe(404);
  const page = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
  expect(page).toContain('Welcome to Apollo Server');
  expect(page).not.toContain(`href="${EXPLORER_PATH}/"`);
});
