import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { availableParallelism, getPriority } from 'node:os';
import argon2 from 'argon2';
import { contextWords, passwordProblem } from '../src/password-policy.js';
import {
  ARGON2_OPTIONS,
  createLimiter,
  createPasswordHasher,
  HASHING_NICENESS,
  LimiterFullError,
  rateLimited,
  needsRehash,
  type PasswordHasher,
} from '../src/passwords.js';

/** Every hasher a test makes, closed (its hashing process stopped) at the end. */
const hashers: PasswordHasher[] = [];
const hasher = (options: Parameters<typeof createPasswordHasher>[0]) => {
  const made = createPasswordHasher(options);
  hashers.push(made);
  return made;
};
afterAll(async () => {
  await Promise.all(hashers.map((made) => made.close()));
});

/** The rule, throwing its reason. */
const assertAcceptablePassword = (password: string, owner = {}) => {
  const problem = passwordProblem(password, owner);
  if (problem) throw new Error(problem);
};

/** A task that stays in flight until released, and records how many ran beside it. */
function gate(state: { inFlight: number; peak: number; order: number[] }, id: number) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  const task = async () => {
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    state.order.push(id);
    await done;
    state.inFlight--;
    return id;
  };
  return { task, release };
}

// First in the file on purpose: the rule's judge (zxcvbn) is built once, at the first check, so
// mutation testing's per-test coverage gives its construction to the first test that checks a
// password. This one asserts what each of its options does.
describe("the rule's judge of guessability, as the first check builds it", () => {
  test("knows English words, keyboard layouts and the common passwords' pieces, and reads the first 64 characters", () => {
    expect(passwordProblem('constitution')).toMatch(/too easy to guess/); // English words
    expect(passwordProblem('mnbvcxzlkjhgfd')).toMatch(/repetitive or sequential/); // a keyboard walk
    expect(passwordProblem('shadowmaster12')).toMatch(/common or breached/); // two listed pieces
    const strong = randomBytes(48).toString('base64'); // 64 characters
    expect(passwordProblem(strong)).toBeUndefined();
    expect(passwordProblem(`${'a'.repeat(64)}${strong}`)).toMatch(/repetitive or sequential/);
  });
});

describe('argon2 concurrency bound', () => {
  /** A task of `ms` that answers when it started. */
  const busy = (ms: number) => async () => {
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return started;
  };

  test('a limiter of 2 runs two tasks, queues the rest in order, and frees slots on failure', async () => {
    const limit = createLimiter(2);
    const state = { inFlight: 0, peak: 0, order: [] as number[] };
    const gates = [1, 2, 3, 4, 5].map((id) => gate(state, id));
    const failing = limit(async () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    const results = gates.map(({ task }) => limit(task));
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.order).toEqual([1, 2]);
    for (const { release } of gates) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(state.order).toEqual([1, 2, 3, 4, 5]);
    expect(state.peak).toBe(2);
  });

  test('the rest is the ratio times the task: twice as long at 2', async () => {
    const limit = createLimiter(1, { restRatio: 2 });
    const [firstStarted, secondStarted] = await Promise.all([limit(busy(40)), limit(busy(1))]);
    // 40 ms of work, then 80 ms of rest.
    expect(secondStarted - firstStarted).toBeGreaterThanOrEqual(115);
  });

  test('with a rest ratio, a queued task starts only after the slot rested; a lone task starts at once', async () => {
    const limit = createLimiter(1, { restRatio: 1 });
    const first = limit(busy(60));
    const second = limit(busy(60));
    const [firstStarted, secondStarted] = await Promise.all([first, second]);
    // 60 ms of work, then 60 ms of rest before the waiting task gets the slot.
    expect(secondStarted - firstStarted).toBeGreaterThanOrEqual(115);
    // Nobody waited when the second finished: the slot is free at once, not after a 60 ms rest.
    const idle = performance.now();
    const lone = await limit(busy(1));
    expect(lone - idle).toBeLessThan(30);
  });

  test('a burst of verifications all complete with the right answers', async () => {
    const passwords = hasher({ maxWaitMs: 60_000 });
    const hash = await passwords.hash('a burst of sign-ins');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => passwords.verify(hash, index % 2 ? 'a burst of sign-ins' : 'wrong one')),
    );
    expect(answers).toEqual([false, true, false, true, false, true]);
  });
});

describe('a bounded argon2 queue', () => {
  test('a task that would wait longer than maxWaitMs is refused at once, with how long the queue takes', async () => {
    // Before any task finished, a task is reckoned at 50 ms: two waiting take 100 ms, a third 150.
    const limit = createLimiter(1, { maxWaitMs: 120 });
    const state = { inFlight: 0, peak: 0, order: [] as number[] };
    const gates = [1, 2, 3].map((id) => gate(state, id));
    const accepted = gates.map(({ task }) => limit(task));
    const started = performance.now();
    await expect(limit(async () => 4)).rejects.toMatchObject({ retryAfterMs: 150 });
    // The gates hold the queue until released below, so waiting would never end; the bound only
    // says no wait of the queue's length (150 ms) came first, with room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(120);
    for (const { release } of gates) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(accepted)).toEqual([1, 2, 3]);
    // Room again once the queue drained.
    await expect(limit(async () => 5)).resolves.toBe(5);
  });

  test('a full queue of password hashes answers RATE_LIMITED with retryAfter, not a wait', async () => {
    const passwords = hasher({ maxWaitMs: 100 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => passwords.hash('a burst of sign-ups')));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const outcome of refused)
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) },
      });
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
  });
  test('the service hashes on half the cores at once, at least one, and refuses the rest of a burst it cannot queue', async () => {
    const slots = Math.max(1, Math.floor(availableParallelism() / 2));
    const passwords = hasher({ maxWaitMs: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: slots + 2 }, () => passwords.hash('a burst of sign-ups')),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(slots);
    for (const outcome of outcomes.filter((outcome) => outcome.status === 'rejected'))
      expect(outcome.reason).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfter: 1 } });
  });
});

describe('the password rule (NIST SP 800-63B)', () => {
  const owner = { email: 'ada.lovelace@example.org', name: 'Ada Lovelace' };
  const why = (password: string) => {
    try {
      assertAcceptablePassword(password, owner);
      return 'accepted';
    } catch (error) {
      expect((error as Error).message).not.toContain(password);
      return (error as Error).message.replace(/^This password /, '').replace(/; choose another one$/, '');
    }
  };
  const COMMON = 'is on a list of common or breached passwords';
  const OWN = "is built from the service's name or your own email or name";
  const REPETITIVE = 'is repetitive or sequential';

  test.each([
    ['sunshine2024!', COMMON],
    ['Football12345', COMMON],
    ['letmein123456', COMMON],
    ['qwerty123456', COMMON],
    ['PASSWORD1234', COMMON],
    ['monkey!!!!!!', COMMON],
    ['healthsync-admin', OWN],
    ['HealthSync2024!', OWN],
    ['adalovelace1815', OWN],
    ['ada.lovelace@example.org', OWN],
    ['lovelace-ada-1815', OWN],
    ['zzzzzzzzzzzz', REPETITIVE],
    ['abcdefghijklmn', REPETITIVE],
    ['asdfghjkl123', COMMON],
    ['qazwsxedcrfvtgb', COMMON],
    ['1qaz2wsx3edc4rfv', COMMON],
    ['mnbvcxzlkjhgfd', REPETITIVE],
  ])('%s is refused: it %s', (password, reason) => {
    expect(why(password)).toBe(reason);
  });

  test.each(['correct horse battery', 'a quiet harbour at dawn', 'Mauve-Otter7', 'twelve chars', 'Tr0ub4dor&3x9'])(
    '%s is accepted',
    (password) => {
      expect(why(password)).toBe('accepted');
    },
  );

  test('12 to 128 characters, counted in code points', () => {
    expect(() => assertAcceptablePassword('x'.repeat(11))).toThrow('Password must be 12 to 128 characters long');
    expect(() => assertAcceptablePassword('🐙'.repeat(129))).toThrow('Password must be 12 to 128 characters long');
    expect(() => assertAcceptablePassword('🐙🦑🦀🐟🐠🐡🦈🐬🐳🐋🦭🐊')).not.toThrow();
  });
});

describe('password verification', () => {
  const passwords = hasher({ maxWaitMs: 60_000 });

  test('a corrupt or foreign stored hash never verifies, whatever the password', async () => {
    const hash = await passwords.hash('the right password');
    for (const stored of [
      '',
      'not a hash',
      hash.slice(0, -8),
      `${hash.slice(0, 20)}$garbage`,
      '$2b$10$abcdefghijklmnopqrstuv',
    ])
      await expect(passwords.verify(stored, 'the right password')).resolves.toBe(false);
    await expect(passwords.verify(hash, 'the right password')).resolves.toBe(true);
  });

  test('no account never verifies, not even with the password its stand-in hash was made from', async () => {
    await expect(passwords.verify(undefined, 'not-a-real-password-at-all')).resolves.toBe(false);
    await expect(passwords.verify(undefined, '')).resolves.toBe(false);
  });

  test("hashAcceptable judges the password with its owner's words; the field is `password` unless named", async () => {
    await expect(
      passwords.hashAcceptable('adalovelace1815', { email: 'ada.lovelace@example.org', name: 'Ada Lovelace' }),
    ).rejects.toMatchObject({
      message: "This password is built from the service's name or your own email or name; choose another one",
      extensions: { code: 'BAD_USER_INPUT', field: 'password' },
    });
    await expect(passwords.hashAcceptable('adalovelace1815', { name: 'Grace Hopper' })).resolves.toMatch(
      /^\$argon2id\$/,
    );
  });

  test('hashAcceptable checks the rule before it hashes, and names the field', async () => {
    await expect(passwords.hashAcceptable('zzzzzzzzzzzz', {}, 'newPassword')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' },
    });
    const hash = await passwords.hashAcceptable('a quiet harbour at dawn', {});
    await expect(passwords.verify(hash, 'a quiet harbour at dawn')).resolves.toBe(true);
  });

  test('hashes are argon2id with OWASP parameters; a weaker one needs rehashing', async () => {
    const hash = await passwords.hash('the right password');
    const [, type, version, parameters] = hash.split('$');
    expect([type, version, parameters?.split(',').sort()]).toEqual(['argon2id', 'v=19', ['m=19456', 'p=1', 't=2']]);
    expect(needsRehash(hash)).toBe(false);
    const weaker = await argon2.hash('the right password', { ...ARGON2_OPTIONS, memoryCost: 8192, timeCost: 1 });
    expect(needsRehash(weaker)).toBe(true);
  });
});

describe('a full queue refuses before any password work', () => {
  /** A hasher whose every slot is taken and whose queue is full (maxWaitMs 0: nobody may wait). */
  const fullHasher = async () => {
    const slots = Math.max(1, Math.floor(availableParallelism() / 2));
    const passwords = hasher({ maxWaitMs: 0 });
    await passwords.hashingProcess();
    const holding = Array.from({ length: slots }, () => passwords.hash('holding a slot'));
    return { passwords, drained: () => Promise.all(holding) };
  };

  test('the rule is not run: a refused password answers RATE_LIMITED, not BAD_USER_INPUT', async () => {
    const { passwords, drained } = await fullHasher();
    await expect(passwords.hashAcceptable('zzzzzzzzzzzz', {}, 'newPassword')).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
    });
    await drained();
    // With a slot free, the same password reaches the rule.
    await expect(passwords.hashAcceptable('zzzzzzzzzzzz', {}, 'newPassword')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' },
    });
  });

  test('assertRoom says RATE_LIMITED while a task would be refused, and nothing once there is room', async () => {
    const { passwords, drained } = await fullHasher();
    expect(() => passwords.assertRoom()).toThrow(
      expect.objectContaining({ extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }),
    );
    await drained();
    expect(() => passwords.assertRoom()).not.toThrow();
  });

  test("a limiter's refusal() gives no task: it reports what the next one would meet", async () => {
    const limit = createLimiter(1, { maxWaitMs: 60 });
    const state = { inFlight: 0, peak: 0, order: [] as number[] };
    const [first, second] = [1, 2].map((id) => gate(state, id)) as [ReturnType<typeof gate>, ReturnType<typeof gate>];
    expect(limit.refusal()).toBeUndefined(); // a free slot
    const running = limit(first.task);
    expect(limit.refusal()).toBeUndefined(); // one waiting: 50 ms, within 60
    const queued = limit(second.task);
    expect(limit.refusal()).toMatchObject({ retryAfterMs: 100 }); // a second waiting: 100 ms
    expect(limit.refusal()).toMatchObject({ retryAfterMs: 100 }); // asking took no place
    first.release();
    second.release();
    expect(await Promise.all([running, queued])).toEqual([1, 2]);
  });
});

describe('the hashing process', () => {
  /** The niceness of every thread of process `pid` (Linux: a priority is per thread). */
  const threadPriorities = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).map((thread) => getPriority(Number(thread)));

  test('hashes and checks passwords at a lower CPU priority than this process, on every thread', async () => {
    expect(HASHING_NICENESS).toBeGreaterThan(getPriority());
    const passwords = hasher({ maxWaitMs: 60_000 });
    const { pid, priority } = await passwords.hashingProcess();
    expect(pid).not.toBe(process.pid);
    expect(priority).toBe(HASHING_NICENESS);
    // After a hash and a rule check libuv's pool (where argon2 runs) exists too.
    const hash = await passwords.hashAcceptable('a quiet harbour at dawn', {});
    await expect(passwords.verify(hash, 'a quiet harbour at dawn')).resolves.toBe(true);
    const priorities = threadPriorities(pid);
    expect(priorities.length).toBeGreaterThan(4);
    expect(new Set(priorities)).toEqual(new Set([HASHING_NICENESS]));
  });

  test('a niceness given is the one applied', async () => {
    const passwords = hasher({ maxWaitMs: 60_000, niceness: 15 });
    await passwords.hash('a quiet harbour at dawn');
    const { pid, priority } = await passwords.hashingProcess();
    expect(priority).toBe(15);
    expect(new Set(threadPriorities(pid))).toEqual(new Set([15]));
  });

  test('one that dies is replaced at the next task; close stops it', async () => {
    const passwords = hasher({ maxWaitMs: 60_000 });
    const { pid } = await passwords.hashingProcess();
    const exited = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(pid, 0);
        } catch {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    process.kill(pid, 'SIGKILL');
    await exited;
    const hash = await passwords.hash('a quiet harbour at dawn');
    await expect(passwords.verify(hash, 'a quiet harbour at dawn')).resolves.toBe(true);
    const replacement = (await passwords.hashingProcess()).pid;
    expect(replacement).not.toBe(pid);
    await passwords.close();
    expect(() => process.kill(replacement, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});

describe('what the rule is made of', () => {
  test('argon2id at OWASP parameters, as the rule module gives them to the hashing process', () => {
    expect(ARGON2_OPTIONS).toEqual({ type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  });

  test("the owner's words: the email, its local part and its pieces, the domain's labels but not the top level, the name and its words, 3 letters or more", () => {
    expect(
      contextWords({ email: ' Mary-Jo.Smith+clinic_x@Mail.Example.org ', name: '  Mary  Jo Smith-Jones ' }),
    ).toEqual([
      'healthsync',
      'health sync',
      'health-sync',
      'mary-jo.smith+clinic_x@mail.example.org',
      'mary-jo.smith+clinic_x',
      'mary',
      'smith',
      'clinic',
      'mail',
      'example',
      'mary  jo smith-jones',
      'smith-jones',
    ]);
    expect(contextWords({})).toEqual(['healthsync', 'health sync', 'health-sync']);
    expect(contextWords({ name: 'Al' })).toEqual(['healthsync', 'health sync', 'health-sync']);
    expect(contextWords({ name: 'Ann' })).toEqual(['healthsync', 'health sync', 'health-sync', 'ann']);
  });

  test("each spelling of the service's name counts as the service's name", () => {
    const OWN = "This password is built from the service's name or your own email or name; choose another one";
    for (const password of ['HealthSync rules!', 'Health Sync rules!', 'health-sync-rules'])
      expect(passwordProblem(password)).toBe(OWN);
  });

  test("the owner's name with a strong rest is accepted; with a short or guessable rest it is not", () => {
    const owner = { email: 'ada.lovelace@example.org', name: 'Ada Lovelace' };
    expect(passwordProblem('lovelace: quartz otter bagpipe', owner)).toBeUndefined();
    expect(passwordProblem('Lovelace-Vaxroq', owner)).toMatch(/built from/);
    expect(passwordProblem('lovelace password', owner)).toMatch(/built from/);
  });

  test('exactly 12 and exactly 128 characters are accepted, 11 and 129 are not', () => {
    const strong = randomBytes(96).toString('base64'); // 128 characters
    expect(passwordProblem(strong.slice(0, 11))).toBe('Password must be 12 to 128 characters long');
    expect(passwordProblem(strong.slice(0, 12))).toBeUndefined();
    expect(passwordProblem(strong)).toBeUndefined();
    expect(passwordProblem(`${strong}x`)).toBe('Password must be 12 to 128 characters long');
  });

  test('a password half or more of listed pieces is refused as common, though neither it nor its stem is listed', () => {
    // dragon (listed) + window (an English word): exactly half; shadow + kitchen: under half.
    for (const password of ['shadowmaster12', 'baseballsoccer1', 'dragonwindow'])
      expect(passwordProblem(password)).toBe(
        'This password is on a list of common or breached passwords; choose another one',
      );
    expect(passwordProblem('shadowkitchen')).toMatch(/too easy to guess/);
  });

  test('only trailing digits and symbols are stripped before the list is consulted', () => {
    expect(passwordProblem('football!!12')).toMatch(/common or breached/);
    // Leading ones stay: what is left is not on the list, and the whole is strong enough.
    expect(passwordProblem('9#2!7&4@football')).toBeUndefined();
  });

  test("the owner's longest words are taken out first, so a shorter one inside them does not hide them", () => {
    // Longest first, "alexandrina" goes and three characters are left: built from the name.
    // Shortest first, "xan" would break it into "ale…drina", a rest strong enough on its own.
    expect(passwordProblem('Alexandrina9#Qz', { name: 'Xan Alexandrina' })).toBe(
      "This password is built from the service's name or your own email or name; choose another one",
    );
  });

  test("words from zxcvbn's English dictionaries make a password guessable", () => {
    for (const password of ['constitution', 'understanding'])
      expect(passwordProblem(password)).toBe(
        'This password is too easy to guess (common words, names, dates or keyboard patterns); choose another one',
      );
  });
});

describe('the queue arithmetic', () => {
  test('the wait a refusal reports: tasks ahead times the recent duration and its rest, over the slots', async () => {
    const state = { inFlight: 0, peak: 0, order: [] as number[] };
    const limit = createLimiter(2, { restRatio: 1, maxWaitMs: 0 });
    const gates = [1, 2].map((id) => gate(state, id));
    const held = gates.map(({ task }) => limit(task));
    // One ahead (the task refused), 50 ms each before any has run, 50 ms of rest, two slots.
    expect(limit.refusal()?.retryAfterMs).toBe(50);
    for (const { release } of gates) release();
    await Promise.all(held);
  });

  test('the recent duration is a moving average: four fifths of the old, one fifth of the last task', async () => {
    const limit = createLimiter(1, { maxWaitMs: 0 });
    const started = performance.now();
    await limit(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const took = performance.now() - started; // from outside: a little more than the limiter's own
    let release!: () => void;
    const holding = limit(() => new Promise<void>((resolve) => (release = resolve)));
    // 50 × 0.8 + took × 0.2 (about 100 ms; the timer may fire late on a loaded machine).
    const wait = limit.refusal()?.retryAfterMs ?? 0;
    expect(wait).toBeGreaterThan(40 + (took - 5) * 0.2);
    expect(wait).toBeLessThanOrEqual(40 + took * 0.2);
    release();
    await holding;
  });

  test('retryAfter is in whole seconds, rounded up, at least one', () => {
    const after = (ms: number) => rateLimited(new LimiterFullError(ms, 0)).extensions.retryAfter;
    expect([after(0), after(1), after(1000), after(1001), after(2500)]).toEqual([1, 1, 1, 2, 3]);
  });

  test('a refusal says when the queue takes a task again: the wait less its bound', async () => {
    const state = { inFlight: 0, peak: 0, order: [] as number[] };
    const limit = createLimiter(1, { restRatio: 1, maxWaitMs: 150 });
    const gates = [1, 2].map((id) => gate(state, id));
    const held = gates.map(({ task }) => limit(task));
    // Two ahead of the next task (the one waiting and itself), 50 ms each and 50 ms of rest, one slot.
    const full = limit.refusal();
    expect(full?.message).toBe('too many tasks waiting');
    expect(full?.retryAfterMs).toBe(200);
    expect(full?.roomInMs).toBe(50);
    // What the gateway is told, in whole milliseconds; the client gets whole seconds.
    const error = rateLimited(new LimiterFullError(1234.5, 234.2));
    expect([error.roomInMs, error.extensions.retryAfter]).toEqual([235, 2]);
    for (const { release } of gates) release();
    await Promise.all(held);
  });
});

describe('a hashing process that dies', () => {
  test('fails the tasks it held, and the next sign-in makes the stand-in hash again', async () => {
    const passwords = hasher({ maxWaitMs: 60_000 });
    const { pid } = await passwords.hashingProcess();
    const inFlight = passwords.hash('a quiet harbour at dawn');
    process.kill(pid, 'SIGKILL');
    // Asked before its death is noticed: the unknown account's stand-in hash fails with it.
    await expect(passwords.verify(undefined, 'whatever password')).rejects.toThrow(/hashing process/);
    // An error, not a RATE_LIMITED answer: nothing to retry after.
    // Its exit seen first, or its broken channel (a busy machine): either way one of the two messages.
    await expect(inFlight).rejects.toThrow(
      /^the password hashing process (exited \(SIGKILL\)|could not be reached \(.+\))$/,
    );
    await expect(passwords.verify(undefined, 'whatever password')).resolves.toBe(false);
  });
});
