import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { findFreePort } from '../database/embedded.js';

/**
 * The machine's PostgreSQL binaries (Debian's postgresql-15): the embedded PostgreSQL ships no
 * pg_basebackup, and a primary and its standby must run the same major version.
 */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface StreamingPair {
  /** Superuser connections (trust, loopback only). */
  primaryUrl: string;
  standbyUrl: string;
  /** Holds back the standby's replay (the lag a busy replica has), and lets it catch up again. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary wrote so far. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  };
}

async function untilAccepting(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * A real primary and a real streaming standby of it (`pg_basebackup -R`: the standby connects to
 * the primary and replays its WAL as it comes), each on a free loopback port, in a folder of their
 * own removed by `stop()`. `database` is created on the primary before the backup.
 */
export async function startStreamingPair(database: string): Promise<StreamingPair> {
  const root = mkdtempSync(path.join(tmpdir(), 'healthsync-replica-'));
  const owner = runAs();
  if (owner) chownSync(root, owner.uid, owner.gid);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(path.join(POSTGRES_BIN, command), args, { encoding: 'utf8', ...owner, timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.error?.message}`);
  };
  const servers: ReturnType<typeof spawn>[] = [];
  const start = (dataDir: string, port: number) => {
    const server = spawn(
      path.join(POSTGRES_BIN, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${root}`,
        '-c',
        'fsync=off',
        '-c',
        'wal_level=replica',
        '-c',
        'max_wal_senders=4',
      ],
      { stdio: 'ignore', ...owner },
    );
    servers.push(server);
  };
  const stop = async () => {
    for (const server of servers.reverse()) {
      if (server.exitCode !== null) continue;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const [primaryPort, standbyPort] = [await findFreePort(), await findFreePort()];
    const primaryDir = path.join(root, 'primary');
    const standbyDir = path.join(root, 'standby');
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    start(primaryDir, primaryPort);
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${database}`;
    await untilAccepting(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`);
    await query(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, `CREATE DATABASE "${database}"`);
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    start(standbyDir, standbyPort);
    const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/${database}`;
    await untilAccepting(standbyUrl);
    const caughtUp = async () => {
      const [current] = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const lsn = current?.lsn ?? '0/0';
      for (let i = 0; i < 200; i++) {
        const [row] = await query<{ behind: boolean }>(
          standbyUrl,
          `SELECT pg_last_wal_replay_lsn() < '${lsn}'::pg_lsn AS behind`,
        );
        if (!row?.behind) return;
        await sleep(50);
      }
      throw new Error('the standby did not catch up within 10 s');
    };
    return {
      primaryUrl,
      standbyUrl,
      pauseReplay: async () => void (await query(standbyUrl, 'SELECT pg_wal_replay_pause()')),
      resumeReplay: async () => void (await query(standbyUrl, 'SELECT pg_wal_replay_resume()')),
      caughtUp,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
