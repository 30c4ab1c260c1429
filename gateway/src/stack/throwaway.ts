/**
 * A whole stack made to be thrown away: its own folder in the temporary directory, its own
 * database, the launcher's processes on free ports; `stop` removes all of it. What the end-to-end
 * tests (test-stack.ts) and the benches (gateway/bench, bench:import) start.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, openDatabase, provisionDatabase, type SubgraphName } from '@healthsync/orm/database';
import { type RunningStack, type StackOptions, startStack } from './stack.js';

/** A database of the stack's own, and how it goes away. */
export interface ThrowawayDatabase {
  adminUrl: string;
  /** The subgraph roles' passwords when the maker set them; unset, the helper provisions its own. */
  passwords?: Record<SubgraphName, string> | undefined;
  remove(): Promise<void>;
}

export interface ThrowawayStackOptions {
  /** The start of its folder's name in the temporary directory (`healthsync-bench-`). */
  prefix: string;
  /**
   * Its database: a new one on the server of this admin URL (dropped by `stop`); unset, an
   * embedded cluster in its folder. `makeDatabase` instead: the caller's (the tests' test database).
   */
  serverUrl?: string | undefined;
  makeDatabase?: () => Promise<ThrowawayDatabase>;
  /** The launcher's options; the folder, the database and the role passwords are the helper's. */
  launcher: Omit<StackOptions, 'dataDir' | 'databaseUrl' | 'rolePasswords'>;
}

export interface ThrowawayStack {
  /** The running stack (a new one after `restart`). */
  readonly stack: RunningStack;
  /** The admin connection to its database (seeding, checks). */
  adminUrl: string;
  /** The subgraph roles' passwords (a process of the caller's may connect as a subgraph). */
  rolePasswords: Record<SubgraphName, string>;
  /** Its folder: the embedded cluster, keys, nginx's prefix. */
  workDir: string;
  /** Stops the processes and starts them again with `changes`, on the same database and folder. */
  restart(changes: Partial<StackOptions>): Promise<RunningStack>;
  /** Stops the processes, removes the database and the folder. Idempotent. */
  stop(): Promise<void>;
}

/** A new database named after `prefix` on the server of `serverUrl`, or an embedded cluster in `workDir`. */
async function throwawayDatabase(options: ThrowawayStackOptions, workDir: string): Promise<ThrowawayDatabase> {
  if (options.makeDatabase) return options.makeDatabase();
  if (options.serverUrl) {
    const url = new URL(options.serverUrl);
    url.pathname = `/${options.prefix.replace(/\W+/g, '_')}${randomBytes(4).toString('hex')}`;
    const adminUrl = url.toString();
    return { adminUrl, remove: () => dropDatabase(adminUrl) };
  }
  const database = await openDatabase({ dataDir: workDir, log: options.launcher.log });
  return { adminUrl: database.adminUrl, remove: () => database.stop() };
}

export async function startThrowawayStack(options: ThrowawayStackOptions): Promise<ThrowawayStack> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), options.prefix));
  // As root the embedded cluster runs as `postgres`, and nginx's workers unprivileged: both work
  // in here (nginx buffers large bodies, an import batch, under it), which mkdtemp's 0700 forbids.
  chmodSync(workDir, 0o755);
  let database: ThrowawayDatabase | undefined;
  let stack: RunningStack | undefined;
  let stopped: Promise<void> | undefined;
  // Each step runs whatever the one before did: a stack that failed to stop still has its
  // database removed (an embedded cluster stopped before its folder goes).
  const stop = () =>
    (stopped ??= (async () => {
      try {
        await stack?.stop();
      } finally {
        try {
          await database?.remove();
        } finally {
          rmSync(workDir, { recursive: true, force: true });
        }
      }
    })());
  try {
    database = await throwawayDatabase(options, workDir);
    const rolePasswords = database.passwords ?? {
      users: randomBytes(24).toString('base64url'),
      patients: randomBytes(24).toString('base64url'),
    };
    if (!database.passwords) await provisionDatabase(database.adminUrl, rolePasswords);
    const stackOptions: StackOptions = {
      ...options.launcher,
      dataDir: workDir,
      databaseUrl: database.adminUrl,
      rolePasswords,
    };
    stack = await startStack(stackOptions);
    const adminUrl = database.adminUrl;
    return {
      get stack() {
        return stack as RunningStack;
      },
      adminUrl,
      rolePasswords,
      workDir,
      async restart(changes) {
        await stack?.stop();
        stack = undefined;
        stack = await startStack({ ...stackOptions, ...changes });
        return stack;
      },
      stop,
    };
  } catch (error) {
    // The start's error is the one to see; a failure to clean up after it would hide it.
    await stop().catch(() => {});
    throw error;
  }
}
