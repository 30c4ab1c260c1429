import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import argon2 from 'argon2';
import { BadUserInputError, RateLimitedError } from '@healthsync/orm';
import type { HashingReply, HashingTask } from './hashing-process.js';
import { ARGON2_OPTIONS } from './argon2-parameters.js';
import type { PasswordOwner } from './password-policy.js';

export { ARGON2_OPTIONS } from './argon2-parameters.js';
export type { PasswordOwner } from './password-policy.js';

/** True when `hash` was made with weaker parameters than today's (rehash it on the next login). */
export const needsRehash = (hash: string) => argon2.needsRehash(hash, ARGON2_OPTIONS);

/**
 * How many argon2 computations run at once. argon2 runs on libuv's pool of 4 threads: a burst of
 * sign-ins would keep every core hashing (19 MiB, tens of ms each) and starve the other requests
 * of this process and its neighbours. Half the cores, at least one; the rest of the burst waits.
 */
// Stryker disable next-line MethodExpression: max and min agree on 2 and 3 cores (this machine and CI); at least one is asserted
export const ARGON2_CONCURRENCY = Math.max(1, Math.floor(availableParallelism() / 2));
/**
 * While sign-ins queue, a slot rests as long as its hash took before the next one starts: hashing
 * takes at most half of those cores' time during a burst (about 12 sign-ins a second per core
 * here), and the other requests keep the rest. A sign-in with nobody waiting starts at once.
 */
export const ARGON2_REST_RATIO = 1;
/**
 * The niceness of the hashing process (hashing-process.ts): where cores are contended Linux gives
 * a nice-10 thread about a tenth of what a nice-0 one gets (scheduler weights 110 against 1024), so
 * request handling, in this process and its neighbours, wins over hashing. An idle machine still
 * hashes at full speed; a busy one hashes slower, the queue's wait estimate grows with it, and
 * more of a burst is refused at once.
 */
export const HASHING_NICENESS = 10;

/**
 * Thrown by a limiter whose queue is full: the caller should come back in `retryAfterMs` (the wait
 * it would have had); the limiter takes a task again in `roomInMs` (when that wait is within bound).
 */
export class LimiterFullError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly roomInMs: number,
  ) {
    super('too many tasks waiting');
  }
}

/**
 * Runs at most `concurrency` of the tasks given to it at once, the others in arrival order. With
 * `restRatio`, a slot freed while tasks wait is handed on only after `restRatio` times the
 * duration of the task that held it. With `maxWaitMs`, a task that would wait longer than that
 * (the tasks ahead of it, at the recent average duration and rest) is refused at once with
 * LimiterFullError: under a flood, or with the CPU taken by others, the queue gets shorter.
 * `refusal()` says whether a task given now would be refused, without giving one.
 */
export function createLimiter(
  concurrency: number,
  { restRatio = 0, maxWaitMs = Number.POSITIVE_INFINITY }: { restRatio?: number; maxWaitMs?: number } = {},
) {
  let running = 0;
  /** Recent task duration (ms), a moving average; a first guess until tasks have run. */
  let averageMs = 50;
  const waiting: (() => void)[] = [];
  const waitFor = (ahead: number) => (ahead * averageMs * (1 + restRatio)) / concurrency;
  /** The error a task given now would be refused with; undefined when it would run or wait. */
  const refusal = (): LimiterFullError | undefined => {
    if (running < concurrency) return undefined;
    const wait = waitFor(waiting.length + 1);
    return wait > maxWaitMs ? new LimiterFullError(wait, wait - maxWaitMs) : undefined;
  };
  const limited = async <T>(work: () => Promise<T>): Promise<T> => {
    const refused = refusal();
    if (refused) throw refused;
    if (running < concurrency) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    const started = performance.now();
    try {
      return await work();
    } finally {
      const took = performance.now() - started;
      averageMs = averageMs * 0.8 + took * 0.2;
      // The slot goes to the next in line (after its rest), or back to the pool.
      const next = waiting.shift();
      if (!next) running--;
      // Stryker disable next-line EqualityOperator: a rest of 0 ms by timer or at once hands the slot on in the same order
      else if (restRatio > 0) setTimeout(next, took * restRatio);
      else next();
    }
  };
  return Object.assign(limited, { refusal });
}

/**
 * RATE_LIMITED for password work the full queue refused: retryAfter in whole seconds, at least
 * one; `roomInMs` goes to the gateway in PASSWORD_WORK_FULL_HEADER (server.ts), not to the client.
 */
export class PasswordWorkFullError extends RateLimitedError {
  readonly roomInMs: number;
  constructor(full: LimiterFullError) {
    super(Math.max(1, Math.ceil(full.retryAfterMs / 1000)));
    this.roomInMs = Math.ceil(full.roomInMs);
  }
}

/** RATE_LIMITED for a refused task. */
export const rateLimited = (full: LimiterFullError) => new PasswordWorkFullError(full);

/** hashing-process.ts beside this file (.ts when run from source, as everywhere here; .js if built). */
// Stryker disable next-line Regex: the file's name is the only "passwords." in its URL here
const HASHING_PROCESS = fileURLToPath(new URL(import.meta.url.replace(/passwords(\.\w+)$/, 'hashing-process$1')));

/**
 * The hashing process: forked at once, again after it dies; `call` sends it one task. Neither it
 * nor its channel keeps this process alive while nothing is pending (it exits with us: the
 * channel closes).
 */
function hashingProcess(niceness: number) {
  type Waiter = { resolve: (reply: HashingReply) => void; reject: (error: Error) => void };
  let lastId = 0;
  const start = () => {
    const forked = fork(HASHING_PROCESS, [String(niceness)], {
      // tsx for the TypeScript source; not this process's own flags (jest's VM modules, an inspector port).
      // Stryker disable next-line ConditionalExpression,StringLiteral,ArrayDeclaration: run from source (always, here), each keeps tsx
      execArgv: HASHING_PROCESS.endsWith('.ts') ? ['--import', 'tsx'] : [],
      // Stryker disable next-line ArrayDeclaration: where the output of a process that prints nothing goes
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    forked.unref();
    const pending = new Map<number, Waiter>();
    const ready = new Promise<{ pid: number; priority: number }>((resolve, reject) => {
      forked.on('message', (message) => {
        const reply = message as HashingReply;
        if ('ready' in reply) {
          forked.channel?.unref(); // held while it starts: a CLI waiting for it stays up
          resolve({ pid: forked.pid as number, priority: reply.priority });
          return;
        }
        const waiter = pending.get(reply.id);
        pending.delete(reply.id);
        // Stryker disable next-line ConditionalExpression,EqualityOperator: whether this process may exit, which jest cannot see
        if (pending.size === 0) forked.channel?.unref();
        waiter?.resolve(reply);
      });
      // Stryker disable next-line StringLiteral: node itself always starts; what fails is the child's code (its exit)
      forked.on('error', reject); // it could not be started
      forked.on('exit', (code, signal) => {
        // Stryker disable next-line LogicalOperator: which of the two the message names
        const error = new Error(`the password hashing process exited (${signal ?? code})`);
        // Stryker disable next-line ConditionalExpression: a newer process exists only once this one's death was seen
        if (current === instance) current = undefined;
        reject(error);
        for (const waiter of pending.values()) waiter.reject(error);
        pending.clear();
      });
    });
    // A process that dies before it is asked anything must not be an unhandled rejection.
    ready.catch(() => {});
    const instance = { forked, pending, ready };
    return instance;
  };
  let current: ReturnType<typeof start> | undefined = start();
  return {
    /** Sends `task` to the hashing process (restarted if it died) and resolves with its reply. */
    async call(task: HashingTask): Promise<HashingReply> {
      current ??= start();
      const { forked, pending, ready } = current;
      await ready;
      return new Promise((resolve, reject) => {
        // Stryker disable next-line UpdateOperator: ids counted down are as unique
        const id = ++lastId;
        pending.set(id, { resolve, reject });
        forked.channel?.ref();
        // Stryker disable next-line BlockStatement: a send fails only in the moment between a death and its exit event, which does the same
        forked.send({ ...task, id }, (error) => {
          if (!error) return;
          // Its channel is broken (it died, its exit not seen yet): the next task gets a new one.
          // Stryker disable next-line ConditionalExpression,OptionalChaining,EqualityOperator: a race with its exit event, which does the same
          if (current?.forked === forked) current = undefined;
          forked.kill();
          // Stryker disable next-line ConditionalExpression: rejecting a settled promise again does nothing
          if (pending.delete(id))
            // Stryker disable next-line StringLiteral: the same moment as above
            reject(new Error(`the password hashing process could not be reached (${error.message})`));
        });
      });
    },
    /** Its pid and the priority it runs at, once it is up. */
    ready: () => {
      current ??= start();
      return current.ready;
    },
    /** Stops it; resolves once it is gone. */
    async close(): Promise<void> {
      const running = current;
      if (!running) return;
      current = undefined;
      // Not yet seen to exit, so its exit event is still to come (one already gone ignores the signal).
      const exited = new Promise((resolve) => running.forked.once('exit', resolve));
      running.forked.kill();
      await exited;
    },
  };
}

/**
 * The password work of this process, in a child process at a lower CPU priority
 * (`HASHING_NICENESS`), behind the limiter: the rule (`passwordProblem`) and argon2id. A task
 * that would wait longer than `maxWaitMs` answers RATE_LIMITED at once.
 */
export function createPasswordHasher({
  maxWaitMs,
  niceness = HASHING_NICENESS,
}: {
  maxWaitMs: number;
  niceness?: number;
}) {
  const limited = createLimiter(ARGON2_CONCURRENCY, { restRatio: ARGON2_REST_RATIO, maxWaitMs });
  const worker = hashingProcess(niceness);
  const run = async (task: HashingTask): Promise<HashingReply> => {
    try {
      return await limited(() => worker.call(task));
    } catch (error) {
      throw error instanceof LimiterFullError ? rateLimited(error) : error;
    }
  };
  const answer = (reply: HashingReply) => {
    // Stryker disable next-line ConditionalExpression,StringLiteral: a failed reply needs argon2 itself to fail
    if ('value' in reply) return reply.value;
    // Stryker disable next-line all: the message of that failure
    throw new Error(`password hashing failed: ${'failed' in reply ? reply.failed : 'unexpected reply'}`);
  };
  const hashOf = async (task: HashingTask) => String(answer(await run(task)));
  // Verifying against this when the account does not exist keeps "unknown email" as slow as "wrong password".
  let dummyHash: Promise<string> | undefined;
  return {
    hash: (password: string) => hashOf({ op: 'hash', password }),
    /**
     * The rule (`passwordProblem`: BAD_USER_INPUT naming `field`), then the hash, both in one slot
     * of the bounded queue: the check (zxcvbn, tens of ms) is not free either, so a full queue
     * refuses before it runs.
     */
    async hashAcceptable(password: string, owner: PasswordOwner, field = 'password'): Promise<string> {
      const reply = await run({ op: 'hashAcceptable', password, owner: { email: owner.email, name: owner.name } });
      if ('refused' in reply) throw new BadUserInputError(reply.refused, field);
      return String(answer(reply));
    },
    /** True when `password` matches `hash`; spends the same time when there is no account (hash undefined). */
    async verify(hash: string | undefined, password: string): Promise<boolean> {
      // Stryker disable next-line StringLiteral: no account never verifies (below), whatever the stand-in was made from
      const standInTask = { op: 'hash', password: 'not-a-real-password-at-all' } as const;
      dummyHash ??= worker
        .call(standInTask)
        .then((reply) => String(answer(reply)))
        .catch((error: unknown) => {
          dummyHash = undefined; // the next sign-in makes it again
          throw error;
        });
      // Made at the first sign-in of any kind, awaited only without an account: its failure is that caller's.
      const standIn = dummyHash;
      standIn.catch(() => {});
      const against = hash ?? (await standIn);
      const ok = answer(await run({ op: 'verify', hash: against, password })) === true;
      return ok && hash !== undefined;
    },
    /**
     * RATE_LIMITED at once when a password task given now would be refused: a request that will
     * need one (a sign-up) is shed before its other work (throttle counters, look-ups).
     */
    assertRoom(): void {
      const full = limited.refusal();
      if (full) throw rateLimited(full);
    },
    /** The hashing process's pid and the priority it runs at, once it is up. */
    hashingProcess: () => worker.ready(),
    /** Stops the hashing process. */
    close: () => worker.close(),
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
