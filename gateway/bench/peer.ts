/**
 * The peer gateway of `npm run bench`: Hive Gateway, the JavaScript federation gateway a user
 * would pick instead of ours, run on the same supergraph in front of the same subgraphs, once
 * with its own (JavaScript) query planner and once with the Rust planner of
 * `@graphql-hive/router-runtime`. It pulls about 300 packages, so it stays out of the project's
 * install: the bench installs the pinned versions on first use into a git-ignored folder
 * (`.data/bench-peer/`) with `npm install --prefix`, and skips the peer's rows with one line when
 * that fails (no registry, say).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort, REPO_ROOT } from '@healthsync/orm/database';
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { type ManagedChild, spawnChild, waitUntilReady } from '../src/stack/processes.js';

/** Exact versions: a peer that changes between runs would make its rows incomparable. */
export const PEER_PACKAGES = {
  '@graphql-hive/gateway': '2.15.1',
  '@graphql-hive/router-runtime': '1.4.23',
} as const;

/** Where the peer is installed (git-ignored, like the rest of `.data/`). */
export const PEER_CACHE = path.join(REPO_ROOT, '.data', 'bench-peer');

export type PeerPlanner = 'js' | 'rust';

export const PEER_NAMES: Record<PeerPlanner, string> = {
  js: `Hive Gateway ${PEER_PACKAGES['@graphql-hive/gateway']} (JS planner)`,
  rust: `Hive Gateway ${PEER_PACKAGES['@graphql-hive/gateway']} + router-runtime ${PEER_PACKAGES['@graphql-hive/router-runtime']} (Rust planner)`,
};

/**
 * The gateway's configuration (a module Hive Gateway loads with `-c`). Like ours, it forwards the
 * caller's `authorization` and the request id, and sends the subgraph secret; in-flight
 * deduplication (on by default) is off: the load generator sends identical requests at once, which
 * it would merge into one subgraph fetch, measuring the benchmark rather than the gateway (and
 * skipping the subgraph's audit rows of the requests it merged).
 */
function configModule(planner: PeerPlanner): string {
  return `// Written by gateway/bench/peer.ts; rewritten on every run.
import { defineConfig } from '@graphql-hive/gateway';
${planner === 'rust' ? "import { unifiedGraphHandler } from '@graphql-hive/router-runtime';\n" : ''}
const secret = process.env.BENCH_PEER_SUBGRAPH_SECRET;

export const gatewayConfig = defineConfig({
  ${planner === 'rust' ? 'unifiedGraphHandler,\n  ' : ''}transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of ['authorization', 'x-request-id']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      if (secret) headers[${JSON.stringify(SUBGRAPH_SECRET_HEADER)}] = secret;
      return headers;
    },
  },
  landingPage: false,
  graphiql: false,
  logging: 'warn',
});
`;
}

/** The installed version of `name` in the cache, when there is one. */
function installedVersion(name: string): string | undefined {
  const file = path.join(PEER_CACHE, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

/**
 * Installs the pinned peer into PEER_CACHE unless it is there already. Resolves to the CLI's
 * script, or to a one-line reason why there is no peer this run.
 */
export async function installPeer(log: (line: string) => void): Promise<{ cli: string } | { skipped: string }> {
  const missing = Object.entries(PEER_PACKAGES).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length) {
    mkdirSync(PEER_CACHE, { recursive: true });
    writeFileSync(
      path.join(PEER_CACHE, 'package.json'),
      `${JSON.stringify({ name: 'healthsync-bench-peer', private: true, type: 'module', dependencies: PEER_PACKAGES }, null, 2)}\n`,
    );
    log(
      `installing the peer (${Object.entries(PEER_PACKAGES)
        .map(([name, version]) => `${name}@${version}`)
        .join(', ')}) into ${path.relative(REPO_ROOT, PEER_CACHE)}`,
    );
    try {
      // No install scripts: the Rust planner's native addon comes as a prebuilt optional package.
      await promisify(execFile)(
        'npm',
        ['install', '--prefix', PEER_CACHE, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
        { cwd: PEER_CACHE, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
      );
    } catch (error) {
      const reason = String((error as { stderr?: string }).stderr || error)
        .trim()
        .split('\n')
        .at(-1);
      return { skipped: `peer gateway not installed (npm install failed: ${reason}); its rows are skipped` };
    }
  }
  const manifest = JSON.parse(
    readFileSync(path.join(PEER_CACHE, 'node_modules', '@graphql-hive', 'gateway', 'package.json'), 'utf8'),
  ) as { bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.['hive-gateway'];
  if (!bin) return { skipped: 'peer gateway installed without its hive-gateway command; its rows are skipped' };
  for (const planner of ['js', 'rust'] as const)
    writeFileSync(path.join(PEER_CACHE, `gateway-${planner}.config.mjs`), configModule(planner));
  return { cli: path.join(PEER_CACHE, 'node_modules', '@graphql-hive', 'gateway', bin) };
}

/** The supergraph with the routing URLs of this run's subgraphs (the file names localhost:4001/4002). */
export function supergraphFor(supergraphFile: string, subgraphs: Record<string, string>, into: string): string {
  let sdl = readFileSync(supergraphFile, 'utf8');
  for (const [name, url] of Object.entries(subgraphs))
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`), `$1${JSON.stringify(url)}`);
  writeFileSync(into, sdl);
  return into;
}

/** Starts one Hive Gateway process (one worker, as our gateway is one process) on a free port. */
export async function startPeer(options: {
  cli: string;
  planner: PeerPlanner;
  supergraphFile: string;
  subgraphSecret: string;
}): Promise<{ child: ManagedChild; url: string }> {
  const port = await findFreePort();
  const { DATABASE_URL: _admin, ...inherited } = process.env;
  const child = spawnChild({
    name: PEER_NAMES[options.planner],
    command: process.execPath,
    args: [
      options.cli,
      'supergraph',
      options.supergraphFile,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--fork',
      '1',
      '--config-path',
      path.join(PEER_CACHE, `gateway-${options.planner}.config.mjs`),
    ],
    cwd: PEER_CACHE,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      BENCH_PEER_SUBGRAPH_SECRET: options.subgraphSecret,
    },
    output: 'quiet',
  });
  await waitUntilReady(child, `http://127.0.0.1:${port}/readiness`);
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}
