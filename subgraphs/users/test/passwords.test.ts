import { createLimiter, createPasswordHasher } from '../src/passwords.js';

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
    const passwords = createPasswordHasher({ maxWaiting: 32 });
    const hash = await passwords.hash('a burst of sign-ins');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => passwords.verify(hash, index % 2 ? 'a burst of sign-ins' : 'wrong one')),
    );
    expect(answers).toEqual([false, true, false, true, false, true]);
  });
});
