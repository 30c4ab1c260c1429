/**
 * The local GraphQL explorer (/explorer) in a real browser, as on a clinic machine without
 * internet: Debian's chromium, driven by playwright-core, may reach localhost only. In the
 * explorer of each subgraph and of the gateway (the whole stack in development, on free ports) it
 * signs in, sets the bearer token, reads `me` (or patients) and finds the answer on the page.
 * Screenshots go to .artifacts/explorer/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXPLORER_PATH } from '@healthsync/orm/http';
import { REPO_ROOT } from '@healthsync/orm/database';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { loadStackConfig } from '../src/environment.js';
import { graphql, startTestStack, type TestStack } from '../src/stack/test-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, '.artifacts', 'explorer');
const { REQUIRE_NGINX } = loadStackConfig(process.env);

// CI installs chromium (.ci/run): there a missing browser fails; elsewhere it skips, in one line.
const browserAvailable = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!browserAvailable)
  process.stderr.write(`explorer browser test skipped: no ${CHROMIUM} (apt-get install chromium)\n`);
const describeInBrowser = browserAvailable ? describe : describe.skip;

const ACCOUNT = { email: 'explorer@example.org', password: 'a long and unguessable secret', name: 'Explorer Test' };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

describeInBrowser('the local explorer in a browser that reaches nothing but localhost', () => {
  let testStack: TestStack;
  let profile: string;
  let context: BrowserContext;
  /** Every request the browser tried outside localhost (each one refused). */
  const outside: string[] = [];
  const explorers: Partial<Record<'users' | 'patients' | 'gateway', Page>> = {};

  beforeAll(async () => {
    testStack = await startTestStack({ nodeEnv: 'development', requireNginx: REQUIRE_NGINX });
    const signUp = await graphql(
      testStack.stack.urls.subgraphs.users,
      'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { user { id } } }',
      { input: ACCOUNT },
    );
    expect(signUp.errors).toBeUndefined();
    profile = mkdtempSync(path.join(os.tmpdir(), 'healthsync-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Below the route below: a name other than localhost does not even resolve.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      ],
      viewport: { width: 1280, height: 720 },
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      outside.push(url.href);
      return route.abort('blockedbyclient');
    });
    // Waits bound a hang, nothing more: on a busy machine a cold start of the page takes a while.
    context.setDefaultTimeout(60_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    // Each page is a cold start of the app (different origins share no cache): they load side by
    // side, and the tests then drive them one by one.
    const { urls } = testStack.stack;
    [explorers.users, explorers.patients, explorers.gateway] = await Promise.all(
      [urls.subgraphs.users, urls.subgraphs.patients, urls.gateway].map(openExplorer),
    );
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await testStack?.stop();
  }, 60_000);

  afterEach(() => {
    expect(outside).toEqual([]);
  });

  /** The explorer of the service whose /graphql is `graphqlUrl`, loaded, its schema docs open. */
  async function openExplorer(graphqlUrl: string) {
    const page = await context.newPage();
    // What the policy refuses, by directive, as the browser reports it.
    // (A string: this workspace compiles without the DOM's types.)
    await page.addInitScript(`
      window.refusedByPolicy = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.refusedByPolicy.push(event.effectiveDirective + ' ' + event.blockedURI));
    `);
    const response = await page.goto(new URL(`${EXPLORER_PATH}/`, graphqlUrl).href);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+';/);
    await page.getByText('Docs', { exact: true }).click();
    await page.locator('app-doc-viewer').getByText('Query', { exact: true }).waitFor();
    return page;
  }

  const result = (page: Page) => page.locator('app-query-result');

  /** Types `query` into the explorer's editor (replacing what is there) and sends it. */
  async function send(page: Page, query: string) {
    await page.locator('app-query-editor .cm-content').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText, as a paste would: typing key by key would meet the editor's closing brackets.
    await page.keyboard.insertText(query);
    await page.getByText('Send Request', { exact: true }).click();
  }

  /** Signs in with the login mutation typed into the explorer; the access token read off the page. */
  async function signIn(page: Page): Promise<string> {
    await send(
      page,
      `mutation SignIn {\n  login(input: { email: "${ACCOUNT.email}", password: "${ACCOUNT.password}" }) {\n    accessToken\n  }\n}`,
    );
    await result(page).getByText('"accessToken"').waitFor();
    const token = /"accessToken":\s*"([\w.-]+)"/.exec((await result(page).textContent()) ?? '')?.[1];
    expect(token).toMatch(/^ey/);
    return token as string;
  }

  /** Sets `Authorization: Bearer <token>` in the explorer's Auth tab. */
  async function setBearerToken(page: Page, token: string) {
    await page.getByRole('tab', { name: 'Auth' }).click();
    await page.getByText('No auth', { exact: true }).click();
    await page.getByText('Bearer Token', { exact: true }).click();
    await page.locator('app-authorization-bearer .cm-content').click();
    await page.keyboard.insertText(token);
    await page.getByRole('tab', { name: 'Query' }).click();
  }

  async function finish(page: Page, name: string) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    // Altair probes for eval and adds a few style elements without the nonce: refused, harmless
    // (the page renders the same without the policy). A refused script, request or frame is not.
    const refused = ((await page.evaluate('window.refusedByPolicy')) as string[])
      .map((line) => line.replace(/ (inline|)$/, ''))
      .filter((line) => line !== 'script-src eval' && !/^style-src-(elem|attr)$/.test(line));
    expect(refused).toEqual([]);
    await page.close();
  }

  const loaded = (service: keyof typeof explorers) => {
    const page = explorers[service];
    if (!page) throw new Error(`the ${service} explorer did not load`);
    return page;
  };

  test.each([
    ['users subgraph', 'users'],
    ['gateway', 'gateway'],
  ] as const)(
    'the %s explorer: sign in, set the bearer token, read me',
    async (name, service) => {
      const page = loaded(service);
      await setBearerToken(page, await signIn(page));
      await send(page, 'query Me {\n  me {\n    email\n    role\n  }\n}');
      await result(page).getByText(`"${ACCOUNT.email}"`).waitFor();
      await finish(page, name.replace(' ', '-'));
    },
    120_000,
  );

  test('the patients subgraph explorer: with the bearer token set, a patients query answers', async () => {
    const login = await graphql(
      testStack.stack.urls.subgraphs.users,
      'mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { email: ACCOUNT.email, password: ACCOUNT.password } },
    );
    const page = loaded('patients');
    await setBearerToken(page, login.data?.login.accessToken);
    await send(page, 'query Patients {\n  patients(first: 1) {\n    totalCount\n  }\n}');
    await result(page).getByText('"totalCount": 0').waitFor();
    await finish(page, 'patients-subgraph');
  }, 120_000);
});
