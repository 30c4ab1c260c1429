import { randomBytes } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import express from 'express';

/**
 * Where every service serves its self-contained GraphQL explorer in development: Altair, whose
 * every file comes from the `altair-static` package, so it works on a machine without internet
 * (Apollo Sandbox, at /graphql, loads from Apollo's CDN).
 */
export const EXPLORER_PATH = '/explorer';

/**
 * The page's Content-Security-Policy: its own files and the nonce of its one inline script and
 * style, requests to this origin only, nothing framing it. Altair hands the nonce to the styles
 * it adds at run time; the few it adds without it (and its eval probe) are refused, harmlessly.
 */
function explorerPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    // The pre-request script sandbox, a page of the package served with SANDBOX_FRAME_CSP.
    "frame-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the explorer at EXPLORER_PATH, pointed at this service's `/graphql`: schema docs from
 * introspection, the bearer token set in its Auth tab (any other header in its headers dialog).
 * Nothing of it leaves the machine: Altair's account, plugins and update checks are off.
 */
export function mountExplorer(app: express.Express): void {
  // Loaded at the first visit: half a megabyte of script no request to /graphql needs.
  const importAltair = () => import('altair-static');
  let altair: ReturnType<typeof importAltair> | undefined;
  const loadAltair = () => {
    altair ??= importAltair();
    return altair;
  };
  app.get(EXPLORER_PATH, async (req, res) => {
    // Its files are relative to the page (`<base href="/explorer/">`): one address for it.
    if (!req.path.endsWith('/')) return res.redirect(301, `${EXPLORER_PATH}/`);
    const { renderAltair } = await loadAltair();
    const nonce = randomBytes(16).toString('base64');
    res.setHeader('content-security-policy', explorerPolicy(nonce));
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(
      renderAltair({
        baseURL: `${EXPLORER_PATH}/`,
        endpointURL: '/graphql',
        cspNonce: nonce,
        disableAccount: true,
        initialSettings: {
          'plugin.list': [],
          'alert.disableUpdateNotification': true,
          'banners.disable': true,
          disablePushNotification: true,
          'schema.reloadOnStart': true,
        },
      }),
    );
  });
  let files: express.Handler | undefined;
  app.use(EXPLORER_PATH, async (req, res, next) => {
    if (!files) {
      const { getDistDirectory, isSandboxFrame, SANDBOX_FRAME_CSP } = await loadAltair();
      files = express.static(getDistDirectory(), {
        index: false,
        setHeaders: (response, file) => {
          if (isSandboxFrame(file)) response.setHeader('content-security-policy', SANDBOX_FRAME_CSP);
        },
      });
    }
    files(req, res, next);
  });
}

const OFFLINE_TEXT = /(<div class="fallback">[\s\S]*?<\/p>)/;

/** Sandbox's page with a link to the explorer under the text it shows when Sandbox cannot load. */
function withExplorerLink(html: string): string {
  if (!OFFLINE_TEXT.test(html)) throw new Error('@apollo/server changed: no offline text on its Sandbox page');
  return html.replace(
    OFFLINE_TEXT,
    `$1\n  <p>Offline? <a href="${EXPLORER_PATH}/">Open the local explorer</a>: everything it needs comes from this service.</p>`,
  );
}

/**
 * Apollo's landing page for the environment: none worth the name in production; in development
 * Sandbox, whose text for a browser that cannot reach Apollo's CDN links to the local explorer.
 */
export function landingPage(production: boolean): ApolloServerPlugin<BaseContext> {
  if (production) return ApolloServerPluginLandingPageProductionDefault();
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true });
  // The spread keeps Apollo's marker that a landing page is installed (so it adds no default one).
  return {
    ...sandbox,
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!listener || !render) throw new Error('@apollo/server changed: its Sandbox plugin renders no landing page');
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render();
          // A function, so that each request still gets a page with a fresh nonce.
          const html = async () => withExplorerLink(typeof page.html === 'string' ? page.html : await page.html());
          await html(); // at start: a changed Apollo page fails here, not on someone's visit
          return { html };
        },
      };
    },
  };
}
