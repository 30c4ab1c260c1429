/**
 * `npm run bench`: seeds a benchmark database (100,000 patients by default), boots the real stack
 * (both subgraphs, the gateway, nginx when installed) on free 127.0.0.1 ports and measures, in one
 * run, each operation directly on the patients subgraph, through the gateway and through nginx +
 * gateway. Prints Markdown tables for gateway/bench/README.md ("Latest run").
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort, REPO_ROOT, subgraphDatabaseUrl, withClient } from '@healthsync/orm/database';
import { runMain } from '@healthsync/orm';
import { SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { findNginx } from '../src/stack/nginx.js';
import { type ManagedChild, spawnChild, waitUntilReady } from '../src/stack/processes.js';
import { startThrowawayStack, type ThrowawayStack } from '../src/stack/throwaway.js';
import { benchLauncher } from './stack.js';
import { cpuPerRequest, cpuSeconds, postmasterPid } from './cpu.js';
import { loadBenchConfig } from './environment.js';
import { graphqlRequest, type LoadResult, runLoad } from './load.js';
import { installPeer, PEER_NAMES, type PeerPlanner, startPeer, supergraphFor } from './peer.js';
import { cpuTable, describeMachine, loadAverage, markdownTable, type Row } from './report.js';
import { FAMILY_NAMES, samplePatientIds, seedPatients } from './seed.js';
import { killAndAwaitRestart, runSoak, type SoakResult } from './soak.js';

const log = (line: string) => console.error(`[bench] ${line}`);
const json = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

const PAGE = (user: string, first = 20) =>
  `query PatientsPage { patients(first: ${first}) { edges { node { id mrn fullName gender birthDate createdBy { ${user} } } } pageInfo { hasNextPage endCursor } totalCount } }`;
const ONE = (user: string) =>
  `query OnePatient($id: ID!) { patient(id: $id) { id mrn fullName gender birthDate createdBy { ${user} } } }`;
const SEARCH = (user: string) =>
  `query SearchPatients($search: String!) { patients(filter: { search: $search }, first: 20) { edges { node { id mrn fullName createdBy { ${user} } } } totalCount } }`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken expiresIn } }`;
const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken user { id } } }`;
const PASSWORD = 'benchmark clinician passphrase';

/** Search terms of the kinds issues 8 and 14 name, taken from the seeded names. */
function searchTerms() {
  const plain = (name: string) => name.normalize('NFD').replace(/\p{Diacritic}/gu, '');
  const accented = FAMILY_NAMES.find((name) => name === 'Müller') ?? 'Müller';
  return {
    partial: 'hernan', // the beginning of Hernández
    accentFree: plain(accented).toLowerCase(), // muller finds Müller
    misspelt: 'Wiliams', // Williams
    twoWords: 'maria wiliams', // Maria Williams, a typo in the family name
  };
}

/** The soak's two runs side by side, as Markdown. */
function soakTable(calm: SoakResult, faulty: SoakResult): string[] {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (name: string, result: SoakResult) =>
    `| ${name} | ${result.requests} (${result.byKind.read} reads, ${result.byKind.search} searches, ${result.byKind.write} writes, ${result.byKind['sign-in']} sign-ins) | ${result.window ? `${((result.window.toMs - result.window.fromMs) / 1000).toFixed(1)} s` : '–'} | ${result.errorsInWindow} | ${result.errorsOutsideWindow} | ${ms(result.p50OutsideWindow)} | ${ms(result.p99OutsideWindow)} | ${result.acknowledgedWrites} | ${result.lostWrites} |`;
  return [
    '| run | requests | restart window | errors in it | errors outside it | p50 outside | p99 outside | acknowledged writes | lost |',
    '|---|---|---|---|---|---|---|---|---|',
    row('no fault', calm),
    row('patients killed halfway', faulty),
    '',
    `p99 outside the window, with the fault / without: ${(faulty.p99OutsideWindow / calm.p99OutsideWindow).toFixed(2)}x.`,
  ];
}

/**
 * A second patients subgraph on the same database that audits a list with one SEARCH row per
 * request, as before every returned patient got its own row (subgraphs/patients/scripts/bench-baseline.ts):
 * query (a) on it beside the real one shows what the per-patient rows cost, in the same run.
 */
async function startAuditBaseline(options: {
  port: number;
  databaseUrl: string;
  jwksUrl: string;
  subgraphSecret: string;
  logLevel: string;
}): Promise<ManagedChild> {
  const { DATABASE_URL: _admin, ...inherited } = process.env;
  const child = spawnChild({
    name: 'patients subgraph, one SEARCH row per request',
    command: process.execPath,
    args: ['--import', 'tsx', 'subgraphs/patients/scripts/bench-baseline.ts'],
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      LOG_LEVEL: options.logLevel,
      HOST: '127.0.0.1',
      PORT: String(options.port),
      PATIENTS_DATABASE_URL: options.databaseUrl,
      JWKS_URL: options.jwksUrl,
      SUBGRAPH_SECRET: options.subgraphSecret,
    },
    output: 'quiet',
  });
  await waitUntilReady(child, `http://127.0.0.1:${options.port}/health/ready`);
  return child;
}

/**
 * Search quality on the labelled evaluation set, by `npm run bench:search` (or `script`: the
 * natural-language set's, `npm run bench:nl`) as its own process on the bench's PostgreSQL (a
 * database of its own there): its Markdown report.
 */
async function searchQuality(
  serverUrl: string,
  script = 'subgraphs/patients/scripts/search-evaluation/evaluate.ts',
): Promise<string> {
  const { DATABASE_URL: _admin, ...inherited } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...inherited, DATABASE_URL: serverUrl },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * Our edge path's req/s against each peer's, per operation that has both: one line each. The peer
 * keeps no entity cache, so the edge without it (`Cache-Control: no-cache`) is compared too.
 */
function peerRatios(rows: Row[], ourNames: string[], peerNames: string[]): string[] {
  const lines: string[] = [];
  for (const operation of new Set(rows.map((row) => row.operation)))
    for (const ours of ourNames) {
      const of = (name: string) => rows.find((row) => row.operation === operation && row.path === name)?.result;
      const edge = of(ours);
      const against = peerNames.flatMap((name) => {
        const peer = of(name);
        return edge && peer?.requestsPerSecond
          ? [`${(edge.requestsPerSecond / peer.requestsPerSecond).toFixed(2)}× ${name}`]
          : [];
      });
      if (against.length) lines.push(`${operation}: ${ours} req/s against the peer's: ${against.join(', ')}.`);
    }
  return lines;
}

runMain(async () => {
  const config = loadBenchConfig();
  const started = performance.now();
  const loadBefore = loadAverage();
  const only = config.BENCH_ONLY ? new Set(config.BENCH_ONLY.split(',').map((id) => id.trim())) : undefined;
  const wanted = (id: string) => !only || only.has(id);
  let throwaway: ThrowawayStack | undefined;
  let auditBaseline: ManagedChild | undefined;
  const peers: { planner: PeerPlanner; child: ManagedChild; url: string }[] = [];

  try {
    if (config.BENCH_CPU_PROF_DIR) mkdirSync(config.BENCH_CPU_PROF_DIR, { recursive: true });
    const subgraphSecret = randomBytes(32).toString('base64url');
    const nginxBin = findNginx(config.NGINX_BIN);
    // A database of its own (never the developer's .data/ cluster or a shared database): a new
    // one on DATABASE_URL's server, or a throwaway embedded PostgreSQL.
    throwaway = await startThrowawayStack({
      prefix: 'healthsync-bench-',
      serverUrl: config.DATABASE_URL,
      launcher: benchLauncher({
        nginxBin: config.NGINX_BIN,
        logLevel: config.BENCH_LOG_LEVEL,
        cpuProfileDir: config.BENCH_CPU_PROF_DIR,
        env: {
          SUBGRAPH_SECRET: subgraphSecret,
          // The bench's clinicians sign up through the API and work at once; and the sign-up flood
          // below stands for one from many addresses, which the per-address throttle would not stop:
          // what it measures is the bounded argon2 queue.
          SIGNUP_MODE: 'open',
          SIGNUP_MAX_PER_ADDRESS: '1000000000',
        },
      }),
    });
    const { adminUrl, rolePasswords, workDir } = throwaway;
    log(
      config.DATABASE_URL
        ? `database ${new URL(adminUrl).pathname.slice(1)}`
        : 'database: a throwaway embedded PostgreSQL',
    );
    const postgres = await withClient(
      adminUrl,
      async (client) =>
        (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?',
    );
    let stack = throwaway.stack;
    const urls = stack.urls;
    const edgeUrl = urls.edge;
    log(`stack up: gateway ${urls.gateway}, edge ${edgeUrl}${nginxBin ? ' (nginx)' : ' (no nginx installed)'}`);
    const auditBaselinePort = await findFreePort();
    if (wanted('a')) {
      auditBaseline = await startAuditBaseline({
        port: auditBaselinePort,
        databaseUrl: subgraphDatabaseUrl(adminUrl, 'patients', rolePasswords.patients),
        jwksUrl: new URL('/.well-known/jwks.json', urls.subgraphs.users).toString(),
        subgraphSecret,
        logLevel: config.BENCH_LOG_LEVEL,
      });
    }

    // The peer gateway on the same supergraph and subgraphs (peer.ts), for (a) and (b).
    if (config.BENCH_PEER === 'on' && (wanted('a') || wanted('b'))) {
      const peer = await installPeer(log);
      if ('skipped' in peer) log(peer.skipped);
      else {
        const supergraphFile = supergraphFor(
          path.join(REPO_ROOT, 'gateway', 'supergraph.graphql'),
          urls.subgraphs,
          path.join(workDir, 'peer-supergraph.graphql'),
        );
        for (const planner of ['js', 'rust'] as const) {
          try {
            peers.push({ planner, ...(await startPeer({ cli: peer.cli, planner, supergraphFile, subgraphSecret })) });
            log(`${PEER_NAMES[planner]} up`);
          } catch (error) {
            log(`${PEER_NAMES[planner]} did not start (${String(error).split('\n')[0]}); its rows are skipped`);
          }
        }
      }
    }

    // Users through the API (argon2id hashes, real tokens); their ids become createdBy.
    const secret = { [SUBGRAPH_SECRET_HEADER]: subgraphSecret };
    const users: { id: string; email: string; token: string }[] = [];
    for (let index = 0; index < config.BENCH_USERS; index++) {
      const email = `clinician${index}@bench.example.org`;
      const data = await graphqlRequest<{ signUp: { accessToken: string; user: { id: string } } }>(
        urls.subgraphs.users,
        json(SIGN_UP, { input: { email, password: PASSWORD, name: `Bench Clinician ${index}` } }),
        secret,
      );
      users.push({ id: data.signUp.user.id, email, token: data.signUp.accessToken });
    }
    const seedSeconds = await seedPatients(
      adminUrl,
      config.BENCH_PATIENTS,
      users.map((user) => user.id),
    );
    log(`seeded ${config.BENCH_PATIENTS} patients in ${seedSeconds.toFixed(1)} s`);
    const ids = await samplePatientIds(adminUrl, 200);

    const auth = { authorization: `Bearer ${users[0]?.token}` };
    const paths = [
      { name: 'patients subgraph (direct)', url: urls.subgraphs.patients, headers: { ...auth, ...secret }, user: 'id' },
      { name: 'gateway', url: urls.gateway, headers: auth, user: 'email' },
      { name: nginxBin ? 'nginx + gateway' : 'edge = gateway (no nginx)', url: edgeUrl, headers: auth, user: 'email' },
      // The same edge with every User fetched from the users subgraph (gateway/README.md, "Entity cache").
      {
        name: `${nginxBin ? 'nginx + gateway' : 'edge = gateway'}, Cache-Control: no-cache`,
        url: edgeUrl,
        headers: { ...auth, 'cache-control': 'no-cache' },
        user: 'email',
      },
    ];
    const direct = paths[0] as (typeof paths)[number];
    // The peer gateway's paths: on its own port, no nginx (compare with the "gateway" row).
    const peerPaths = peers.map(({ planner, url }) => ({
      name: PEER_NAMES[planner],
      url,
      headers: auth,
      user: 'email',
    }));
    const terms = searchTerms();
    const operations = [
      {
        id: 'a',
        name: '(a) page of 20 + createdBy + totalCount',
        bodies: (user: string) => [json(PAGE(user))],
        // Its ratios compare it with the direct path: what the 20 SEARCH rows cost.
        extraPaths: [
          {
            ...direct,
            name: 'patients subgraph (direct), one SEARCH row per request (before)',
            url: `http://127.0.0.1:${auditBaselinePort}/graphql`,
          },
        ],
        peerPaths,
      },
      {
        id: 'b',
        name: '(b) patient(id)',
        bodies: (user: string) => ids.map((id) => json(ONE(user), { id })),
        peerPaths,
      },
      {
        id: 'c',
        name: `(c) search "${terms.partial}"`,
        bodies: (user: string) => [json(SEARCH(user), { search: terms.partial })],
      },
      {
        // The same page five times larger: the same statements, so CPU per patient should fall.
        id: 'a100',
        name: '(a) page of 100 + createdBy + totalCount',
        bodies: (user: string) => [json(PAGE(user, 100))],
        only: [direct, paths[2] as (typeof paths)[number]],
      },
    ];

    // Whose CPU time each measurement of (a)–(c) accounts (a process and its descendants).
    const processes: Record<string, number | undefined> = {
      'patients subgraph': stack.pids['patients subgraph'],
      'patients subgraph (before)': auditBaseline?.pid,
      'users subgraph': stack.pids['users subgraph'],
      gateway: stack.pids.gateway,
      nginx: stack.pids.nginx,
      PostgreSQL: config.DATABASE_URL ? undefined : postmasterPid(path.join(workDir, 'postgres')),
      ...Object.fromEntries(peers.map(({ planner, child }) => [`Hive ${planner === 'js' ? 'JS' : 'Rust'}`, child.pid])),
      'load generator': process.pid,
    };
    const roots = Object.fromEntries(
      Object.entries(processes).filter((entry): entry is [string, number] => entry[1] !== undefined),
    );
    const measure = async (
      url: string,
      headers: Record<string, string>,
      bodies: string[],
      connections: number,
      seconds = config.BENCH_DURATION,
    ) => {
      // Every body once, checked, so that a broken operation fails the bench instead of timing errors.
      for (const body of new Set(bodies.slice(0, 3))) await graphqlRequest(url, body, headers);
      await runLoad({ url, headers, bodies, connections, durationSeconds: Math.min(3, seconds) }); // warm-up
      const before = cpuSeconds(roots);
      const result = await runLoad({ url, headers, bodies, connections, durationSeconds: seconds });
      return { ...result, cpu: cpuPerRequest(before, cpuSeconds(roots), result.requests) };
    };

    const rows: Row[] = [];
    for (const operation of operations) {
      if (!wanted(operation.id)) continue;
      // An operation's extra paths are timed right after the direct one, their base, so that the
      // two compare the same moment of a shared machine.
      const operationPaths = ('only' in operation && operation.only) || [
        direct,
        ...(('extraPaths' in operation && operation.extraPaths) || []),
        ...paths.slice(1),
        ...(('peerPaths' in operation && operation.peerPaths) || []),
      ];
      // Every path warmed before any is timed: the path timed first would otherwise also pay for
      // warming the patients subgraph and PostgreSQL that the later paths share (15-30% in our runs).
      for (const where of operationPaths) {
        const bodies = operation.bodies(where.user);
        await runLoad({
          url: where.url,
          headers: where.headers,
          bodies,
          connections: config.BENCH_CONNECTIONS,
          durationSeconds: 3,
        });
      }
      let baseline: LoadResult | undefined;
      for (const where of operationPaths) {
        log(`${operation.name} via ${where.name}`);
        const result = await measure(where.url, where.headers, operation.bodies(where.user), config.BENCH_CONNECTIONS);
        baseline ??= result;
        rows.push({
          operation: operation.name,
          path: where.name,
          connections: config.BENCH_CONNECTIONS,
          result,
          baseline,
          cpu: result.cpu,
        });
      }
    }

    const edge = paths[2] as (typeof paths)[number];
    const searchRows: Row[] = [];
    if (wanted('search')) {
      // Latency of each kind of search: one client at a time, so the numbers are the search's own.
      for (const [kind, term] of Object.entries({
        'the beginning of a name': terms.partial,
        'accent-free name': terms.accentFree,
        'misspelt name': terms.misspelt,
        'given and misspelt family name': terms.twoWords,
      })) {
        for (const where of [paths[0], edge] as (typeof paths)[number][]) {
          log(`search by ${kind} "${term}" via ${where.name}`);
          const result = await measure(where.url, where.headers, [json(SEARCH(where.user), { search: term })], 1);
          searchRows.push({ operation: `search by ${kind} "${term}"`, path: where.name, connections: 1, result });
        }
      }
    }

    const loginBodies = users.map((user) => json(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const loginRows: Row[] = [];
    if (wanted('d')) {
      for (const connections of [1, config.BENCH_CONNECTIONS]) {
        log(`(d) login via ${edge.name}, ${connections} connection(s)`);
        const result = await measure(edge.url, {}, loginBodies, connections);
        loginRows.push({ operation: '(d) login', path: edge.name, connections, result });
      }
    }

    const burstRows: Row[] = [];
    /**
     * patient(id) alone, then beside 20 connections sending `burst` (named `burstName`), as fast as
     * answered or at `overallRate` requests per second: three rows.
     */
    const besideABurst = async (burstName: string, burst: string[], overallRate?: number) => {
      const other = operations[1] as (typeof operations)[number];
      const bodies = other.bodies(edge.user);
      const connections = Math.max(1, Math.floor(config.BENCH_CONNECTIONS / 2));
      const what = burstName.replace(/^\(\w\) /, ''); // "login burst", without its row label
      log(`${other.name} alone, then beside a ${what}`);
      const alone = await measure(edge.url, edge.headers, bodies, connections);
      burstRows.push({ operation: `${other.name}, alone`, path: edge.name, connections, result: alone });
      const before = cpuSeconds(roots);
      const [beside, burstResult] = await Promise.all([
        runLoad({ url: edge.url, headers: edge.headers, bodies, connections, durationSeconds: config.BENCH_DURATION }),
        runLoad({
          url: edge.url,
          bodies: burst,
          connections: 20,
          durationSeconds: config.BENCH_DURATION,
          overallRate,
        }),
      ]);
      // What one burst request costs each process: the window's CPU less the other traffic's
      // share at its cost measured alone.
      const window = cpuPerRequest(before, cpuSeconds(roots), 1);
      const burstCpu = Object.fromEntries(
        Object.entries(window).map(([name, ms]) => [
          name,
          (ms - (alone.cpu?.[name] ?? 0) * beside.requests) / Math.max(1, burstResult.requests),
        ]),
      );
      burstRows.push({
        operation: `${other.name}, beside a ${what}`,
        path: edge.name,
        connections,
        result: beside,
        baseline: alone,
      });
      burstRows.push({ operation: burstName, path: edge.name, connections: 20, result: burstResult, cpu: burstCpu });
    };
    // Other traffic with and without a burst of logins beside it.
    if (wanted('burst')) await besideABurst('(d) login burst', loginBodies);
    // The same beside a flood of sign-ups, each a new email: a request that would wait too long
    // for an argon2 slot is answered RATE_LIMITED at once (counted among the GraphQL errors).
    // A closed-loop flood's rate is however fast the stack answers it (a stack that refuses faster
    // is sent more); a flood's rate is really the sender's: the same at a fixed offered rate.
    if (wanted('signup')) {
      const run = randomBytes(4).toString('hex');
      const signUps = (label: string) =>
        Array.from({ length: 50_000 }, (_, index) =>
          json(SIGN_UP, {
            input: { email: `flood-${run}-${label}-${index}@bench.example.org`, password: PASSWORD, name: 'Flood' },
          }),
        );
      await besideABurst('(e) sign-up flood', signUps('a'));
      await besideABurst(`(e) sign-up flood at ${config.BENCH_FLOOD_RATE}/s`, signUps('b'), config.BENCH_FLOOD_RATE);
    }

    const soakLines: string[] = [];
    // Only when asked for by name (BENCH_ONLY=soak): two runs of BENCH_SOAK_DURATION seconds each.
    if (only?.has('soak')) {
      const soak = (fault: boolean) =>
        runSoak({
          edgeUrl: edge.url,
          users: users.map((user) => ({ ...user, password: PASSWORD })),
          patientIds: ids,
          searchTerms: FAMILY_NAMES.slice(0, 20),
          connections: config.BENCH_SOAK_CONNECTIONS,
          durationSeconds: config.BENCH_SOAK_DURATION,
          ...(fault
            ? {
                fault: () => killAndAwaitRestart(stack?.pids['patients subgraph'] as number, urls.subgraphs.patients),
              }
            : {}),
        });
      log(`soak: ${config.BENCH_SOAK_CONNECTIONS} connections for ${config.BENCH_SOAK_DURATION} s, without a fault`);
      const calm = await soak(false);
      log('soak: the same, with the patients subgraph killed halfway');
      const faulty = await soak(true);
      soakLines.push(...soakTable(calm, faulty));
    }

    const stressRows: Row[] = [];
    if (wanted('stress')) {
      const page = operations[0] as (typeof operations)[number];
      log(
        `${page.name} via ${edge.name}: ${config.BENCH_STRESS_CONNECTIONS} connections for ${config.BENCH_STRESS_DURATION} s`,
      );
      const result = await runLoad({
        url: edge.url,
        headers: edge.headers,
        bodies: page.bodies(edge.user),
        connections: config.BENCH_STRESS_CONNECTIONS,
        durationSeconds: config.BENCH_STRESS_DURATION,
      });
      stressRows.push({ operation: page.name, path: edge.name, connections: config.BENCH_STRESS_CONNECTIONS, result });
    }

    // Only when asked for by name (BENCH_ONLY=replicas): query (a) through the edge with one process
    // of each service, then with two of each (the stack restarted so, on the same database and
    // keys), at the same connection count.
    const replicaRows: Row[] = [];
    if (only?.has('replicas')) {
      const page = operations[0] as (typeof operations)[number];
      const connections = Math.max(20, config.BENCH_CONNECTIONS);
      const bodies = page.bodies(edge.user);
      log(`${page.name} via ${edge.name}, one of each service, ${connections} connections`);
      const one = await measure(edge.url, edge.headers, bodies, connections);
      replicaRows.push({ operation: page.name, path: `${edge.name}, 1 of each`, connections, result: one });
      stack = await throwaway.restart({ replicas: { gateway: 2, users: 2, patients: 2 } });
      const twoUrl = stack.urls.edge;
      await runLoad({ url: twoUrl, headers: edge.headers, bodies, connections, durationSeconds: 3 }); // warm-up
      log(`${page.name} via ${edge.name}, two of each service, ${connections} connections`);
      const two = await runLoad({
        url: twoUrl,
        headers: edge.headers,
        bodies,
        connections,
        durationSeconds: config.BENCH_DURATION,
      });
      replicaRows.push({
        operation: page.name,
        path: `${edge.name}, 2 of each`,
        connections,
        result: two,
        baseline: one,
      });
    }

    let quality: string | undefined;
    if (wanted('quality')) {
      log('search quality on the labelled evaluation set (npm run bench:search)');
      quality = await searchQuality(adminUrl);
      log('natural-language search quality on its labelled evaluation set (npm run bench:nl)');
      quality += `\n\n${await searchQuality(adminUrl, 'subgraphs/patients/scripts/nl-search-evaluation/evaluate.ts')}`;
    }

    // The parameters the users subgraph really hashed with, read back from a stored hash.
    const argon2 = await withClient(adminUrl, async (client) => {
      const { rows } = await client.query<{ hash: string }>('SELECT password_hash AS hash FROM users.account LIMIT 1');
      return (
        /^\$(argon2\w+)\$v=\d+\$([^$]+)\$/
          .exec(rows[0]?.hash ?? '')
          ?.slice(1)
          .join(' ') ?? 'unknown'
      );
    });
    const machine = describeMachine({ postgres: `PostgreSQL ${postgres}`, nginx: nginxBin });
    const sections = [
      `Machine: ${machine}.`,
      `Data: ${config.BENCH_PATIENTS.toLocaleString('en')} patients, ${config.BENCH_USERS} users; ${config.BENCH_DURATION} s per measurement after a warm-up; services in NODE_ENV=production, LOG_LEVEL=${config.BENCH_LOG_LEVEL}; load from autocannon on the same machine. Base of the ratios: the direct subgraph (a–c), the same traffic without the burst (login burst).`,
      ...(rows.length ? ['', markdownTable(rows)] : []),
    ];
    if (rows.length)
      sections.push(
        '',
        'CPU per request (ms of user + system time, each process with its children, during the timed 10 s):',
        '',
        cpuTable(rows),
      );
    const peerLines = peerRatios(
      rows,
      [edge.name, (paths[3] as (typeof paths)[number]).name],
      peerPaths.map((where) => where.name),
    );
    if (peerLines.length) sections.push('', ...peerLines);
    if (searchRows.length) sections.push('', 'Search latency (one client):', '', markdownTable(searchRows));
    if (loginRows.length || burstRows.length)
      sections.push('', `Sign-in (${argon2}):`, '', markdownTable([...loginRows, ...burstRows]));
    if (burstRows.some((row) => row.cpu))
      sections.push(
        '',
        "CPU per burst request (ms; the window's CPU less the other traffic's share at its cost alone):",
        '',
        cpuTable(burstRows),
      );
    if (stressRows.length) sections.push('', 'Sustained load:', '', markdownTable(stressRows));
    if (replicaRows.length)
      sections.push(
        '',
        `Replicas (the same machine, ${os.cpus().length} cores shared by every process; base: one of each):`,
        '',
        markdownTable(replicaRows),
      );
    if (soakLines.length)
      sections.push(
        '',
        `Soak through ${edge.name} (${config.BENCH_SOAK_CONNECTIONS} connections, ${config.BENCH_SOAK_DURATION} s of reads, searches, writes and sign-ins; the fault: the patients subgraph killed with SIGKILL halfway, restarted by the launcher):`,
        '',
        ...soakLines,
      );
    if (quality) sections.push('', quality);
    sections.push(
      '',
      `Whole run: ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore} before it, ${loadAverage()} at its end.`,
    );
    console.log(sections.join('\n'));
  } finally {
    for (const peer of peers) await peer.child.stop('SIGTERM');
    await auditBaseline?.stop('SIGTERM');
    await throwaway?.stop().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
});
