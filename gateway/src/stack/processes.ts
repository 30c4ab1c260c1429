import { type ChildProcess, spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartupError } from '@healthsync/orm';

/** A start failure of the stack whose message says all an operator needs (no stack trace). */
export class StackStartError extends StartupError {
  override name = 'StackStartError';
}

/** How a child's stdout/stderr are handled: shown in the terminal, or kept for error messages only (its last lines, either way). */
export type ChildOutput = 'inherit' | 'quiet';
/** Hears every chunk a quiet child writes (to stdout or stderr), by the child's name. */
export type ChildOutputListener = (child: string, text: string) => void;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  name: string;
  pid: number;
  /** Settles when the process has exited, whoever stopped it. */
  exited: Promise<ChildExit>;
  hasExited(): boolean;
  /** The last lines it wrote (stdout and stderr), for a failure message. */
  lastLines(): string;
  /** Sends `signal`, then SIGKILL when it is still there after `graceMs`; resolves once it is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
}

const TAIL_LINES = 20;

/**
 * Spawns `command` in its own process group: a terminal's Ctrl-C reaches the launcher only,
 * which then stops the children in order (edge first, database last) instead of all at once.
 */
export function spawnChild(options: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: ChildOutput;
  onOutput?: ChildOutputListener | undefined;
}): ManagedChild {
  // Piped either way (and passed on to the terminal in 'inherit' mode): a child that dies is
  // reported with its last lines. Drained either way, so a chatty child never blocks on a full pipe.
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (options.output === 'inherit') process.stderr.write(chunk);
    options.onOutput?.(options.name, chunk.toString('utf8'));
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (options.output === 'inherit') process.stdout.write(chunk);
    options.onOutput?.(options.name, chunk.toString('utf8'));
  });

  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      keep(Buffer.from(String(error)));
      exit = { code: null, signal: null };
      resolve(exit);
    });
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  // Last resort when the launcher itself dies on an exception: no child outlives it.
  const killOnExit = () => {
    if (!exit) process.kill(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));

  return {
    name: options.name,
    pid,
    exited,
    hasExited: () => exit !== undefined,
    lastLines: () => tail.join('\n'),
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (exit) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** When a process that stopped on its own is started again, and when it has crashed too often. */
export interface RestartPolicy {
  /** This many unexpected exits within `windowMs` stop the stack. */
  maxExits: number;
  windowMs: number;
  /** Wait before the first restart; doubled for each further exit in the window. */
  firstDelayMs: number;
}

/** Like compose's `restart: unless-stopped` with its backoff, plus a give-up when a process keeps crashing. */
export const RESTART_POLICY: RestartPolicy = { maxExits: 5, windowMs: 60_000, firstDelayMs: 500 };

/** A process as the supervisor sees it: a spawned child, or the embedded PostgreSQL's postmaster. */
export interface SupervisedProcess {
  pid: number;
  exited: Promise<ChildExit>;
  lastLines(): string;
  stop(): Promise<unknown>;
}

export interface Supervisor {
  name: string;
  /** The process running now (a restart gives a new one). */
  current(): SupervisedProcess;
  /** From now on an exit is not restarted (the stack is stopping; a pending restart is cancelled). */
  stopRestarting(): void;
  /** Stops restarting, then stops the process running now. */
  stop(): Promise<void>;
}

/**
 * Keeps `first` running: when it exits without being asked to, `restart` starts it again after a
 * backoff, with a log line each way. The `maxExits`th exit within `windowMs` calls `giveUp` with one
 * line naming it, followed by its last lines, and restarts no more.
 */
export function supervise(options: {
  name: string;
  first: SupervisedProcess;
  restart: () => Promise<SupervisedProcess>;
  log: (line: string) => void;
  giveUp: (why: string) => void;
  policy?: RestartPolicy;
}): Supervisor {
  const { name, log, policy = RESTART_POLICY } = options;
  let current = options.first;
  let stopping = false;
  let pending: NodeJS.Timeout | undefined;
  let restarting: Promise<unknown> | undefined;
  const exits: number[] = [];

  const watch = (running: SupervisedProcess) => {
    running.exited.then((exit) => {
      if (stopping) return;
      const now = Date.now();
      exits.push(now);
      while (exits.length && (exits[0] as number) <= now - policy.windowMs) exits.shift();
      const how = describeExit(exit);
      if (exits.length >= policy.maxExits) {
        const lines = running.lastLines();
        options.giveUp(
          `${name} keeps crashing (${exits.length} exits within ${policy.windowMs / 1000} s, the last: ${how})${lines ? `; its last lines:\n${lines}` : ''}`,
        );
        return;
      }
      const delayMs = policy.firstDelayMs * 2 ** (exits.length - 1);
      log(`${name} stopped unexpectedly (${how}); restarting it in ${delayMs / 1000} s`);
      pending = setTimeout(() => {
        pending = undefined;
        if (stopping) return;
        restarting = options.restart().then(
          (next) => {
            current = next;
            if (stopping) return next.stop();
            log(`${name} restarted (pid ${next.pid})`);
            watch(next);
          },
          (error: unknown) => {
            // Could not even start: counted as one more exit, so a hopeless restart gives up in time.
            log(`${name} did not restart: ${error instanceof Error ? error.message : String(error)}`);
            watch({ ...running, exited: Promise.resolve({ code: null, signal: null }) });
          },
        );
      }, delayMs);
    });
  };
  watch(current);

  return {
    name,
    current: () => current,
    stopRestarting() {
      stopping = true;
      clearTimeout(pending);
    },
    async stop() {
      this.stopRestarting();
      await restarting;
      await current.stop();
    },
  };
}

/** Describes how a child ended, for one log line. */
export function describeExit({ code, signal }: ChildExit): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/**
 * Whether `url` answers 2xx (false while nothing listens). Over HTTPS the certificate is not
 * checked: this probes our own child on this machine, whose certificate names the public host.
 */
function answersOk(url: string): Promise<boolean> {
  if (!url.startsWith('https:'))
    return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.body?.cancel();
        return response.ok;
      },
      () => false,
    );
  return new Promise((resolve) => {
    const request = https.get(url, { rejectUnauthorized: false, timeout: 2_000 }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve(status >= 200 && status < 300);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * Polls `url` until it answers 200. Fails early, with the child's last stderr lines, when the
 * child exits first (bad environment, port taken, database refused…).
 */
export async function waitUntilReady(child: ManagedChild, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      // A service that fails to start says why in its last line (runMain's one line).
      const how = describeExit(await child.exited);
      const last = child.lastLines().split('\n').at(-1);
      throw new StackStartError(`${child.name} stopped before it was ready (${how})${last ? `: ${last}` : ''}`);
    }
    if (await answersOk(url)) return;
    await sleep(100);
  }
  throw new StackStartError(`${child.name} was not ready at ${url} after ${timeoutMs / 1000} s`);
}

/**
 * Fails with the EADDRINUSE error that `describeStartupError` turns into one line when `port`
 * is taken on `host`, before anything is started.
 */
export function assertPortFree(port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          Object.assign(new Error(`listen EADDRINUSE: address already in use ${host}:${port} (${what})`), {
            code: 'EADDRINUSE',
          }),
        );
      } else reject(error);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
