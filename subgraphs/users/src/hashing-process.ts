/**
 * The users subgraph's password work, in a child process of its own at a lower CPU priority
 * (passwords.ts forks it): the password rule (zxcvbn, tens of ms) and argon2id (19 MiB, tens of
 * ms). On a machine whose cores are busy, request handling everywhere wins over hashing, and a
 * flood of sign-ups or sign-ins slows its own hashes, not other people's requests.
 *
 * Messages in: `HashingRequest`; out: `HashingReply`. Exits when its parent goes (the IPC channel
 * closes). Nothing is logged: the messages hold passwords.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from './argon2-parameters.js';
import { type PasswordOwner, passwordProblem } from './password-policy.js';

export type HashingTask =
  | { op: 'hash'; password: string }
  | { op: 'hashAcceptable'; password: string; owner: PasswordOwner }
  | { op: 'verify'; hash: string; password: string };
export type HashingRequest = HashingTask & { id: number };

export type HashingReply =
  | { id: number; value: string | boolean }
  | { id: number; refused: string }
  | { id: number; failed: string }
  | { ready: true; priority: number };

/**
 * Lowers the priority of every thread of this process to `niceness` (on Linux a priority is per
 * thread: the loader's threads and libuv's pool, where argon2 runs, may already exist; threads
 * made later inherit it from the main thread).
 */
function lowerPriority(niceness: number): void {
  setPriority(niceness);
  let threads: string[] = [];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return; // not Linux: the process's priority is all there is
  }
  for (const thread of threads) {
    try {
      setPriority(Number(thread), niceness);
    } catch {
      // a thread that ended since the listing
    }
  }
}

async function handle(request: HashingRequest): Promise<HashingReply> {
  const { id } = request;
  switch (request.op) {
    case 'hash':
      return { id, value: await argon2.hash(request.password, ARGON2_OPTIONS) };
    case 'hashAcceptable': {
      const problem = passwordProblem(request.password, request.owner);
      if (problem) return { id, refused: problem };
      return { id, value: await argon2.hash(request.password, ARGON2_OPTIONS) };
    }
    case 'verify':
      // A corrupt or foreign stored hash makes argon2 throw: it never verifies.
      return { id, value: await argon2.verify(request.hash, request.password).catch(() => false) };
  }
}

const send = (reply: HashingReply) => process.send?.(reply);

// The parent names the niceness (passwords.ts HASHING_NICENESS).
lowerPriority(Number(process.argv[2]));
process.on('message', (message) => {
  const request = message as HashingRequest;
  handle(request).then(send, (error: unknown) =>
    // argon2's own errors name no password; the message is all the parent gets.
    send({ id: request.id, failed: error instanceof Error ? error.message : 'hashing failed' }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ ready: true, priority: getPriority() });
