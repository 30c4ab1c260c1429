import { type ChildProcess, spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A start failure whose message says all an operator needs (no stack trace). */
export class StackStartError extends Error {
  override name = 'StackStartError';
}

/** How a child's stdout/stderr are handled: shown in the terminal, or kept for error messages only. */
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
  /** The last lines it wrote to stderr (quiet mode), for a failure message. */
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
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: options.output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stderr?.on('data', keep);
  // Drained either way, so a chatty child never blocks on a full pipe.
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.(options.name, chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => options.onOutput?.(options.name, chunk.toString('utf8')));

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
      const how = describeExit(await child.exited);
      const output = child.lastLines();
      throw new StackStartError(`${child.name} stopped before it was ready (${how})${output ? `:\n${output}` : ''}`);
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
