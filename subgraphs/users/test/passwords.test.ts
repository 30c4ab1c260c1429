import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import {
  ARGON2_OPTIONS,
  assertAcceptablePassword,
  createLimiter,
  createPasswordHasher,
  needsRehash,
} from '../src/passwords.js';

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

describe('argon2 concurrency bound', () => {
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

  test('with a rest ratio, a queued task starts only after the slot rested; a lone task starts at once', async () => {
    const limit = createLimiter(1, { restRatio: 1 });
    const busy = (ms: number) => async () => {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return started;
    };
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
    const passwords = createPasswordHasher({ maxWaitMs: 60_000 });
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
    const passwords = createPasswordHasher({ maxWaitMs: 100 });
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
    const passwords = createPasswordHasher({ maxWaitMs: 0 });
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

  test('the message names the field it is given', () => {
    expect(() => assertAcceptablePassword('zzzzzzzzzzzz', {}, 'newPassword')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } }),
    );
  });
});

describe('password verification', () => {
  const passwords = createPasswordHasher({ maxWaitMs: 60_000 });

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
