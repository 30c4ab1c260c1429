/**
 * patientSearch's vocabulary cache (src/nl-search/vocabulary.ts): past its TTL a query is read
 * against the loaded vocabulary while a fresh one loads beside it; after an import the next
 * query waits for a fresh one, and a reload begun before the import is never installed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Vocabulary } from '../src/nl-search/vocabulary.js';
import { VocabularyCache } from '../src/nl-search/vocabulary.js';

/** Loads the caller finishes by hand, each resolving to a vocabulary marked with its number. */
function manualLoads() {
  const pending: (() => void)[] = [];
  let count = 0;
  const load = () =>
    new Promise<Vocabulary>((resolve) => {
      const number = ++count;
      pending.push(() => resolve({ clinical: number, places: number } as unknown as Vocabulary));
    });
  const finish = async (index: number) => {
    pending[index]!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { load, finish, started: () => count };
}

const em = { fork: () => em } as unknown as EntityManager;
const numberOf = async (vocabulary: Promise<Vocabulary>) => (await vocabulary).clinical as unknown as number;

test('past the TTL, queries keep the loaded vocabulary while one reload runs; then the reloaded one', async () => {
  const loads = manualLoads();
  const cache = new VocabularyCache(0, loads.load);
  const first = cache.get(em);
  await loads.finish(0);
  expect(await numberOf(first)).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 2));
  // Past the TTL: the first vocabulary at once, and a single reload however many queries come.
  expect(await numberOf(cache.get(em))).toBe(1);
  expect(await numberOf(cache.get(em))).toBe(1);
  expect(loads.started()).toBe(2);
  await loads.finish(1);
  expect(await numberOf(cache.get(em))).toBe(2);
});

test('after invalidate the next query waits for a fresh load; a reload begun before it is dropped', async () => {
  const loads = manualLoads();
  const cache = new VocabularyCache(0, loads.load);
  const first = cache.get(em);
  await loads.finish(0);
  await first;
  await new Promise((resolve) => setTimeout(resolve, 2));
  cache.get(em); // starts reload 2 in the background
  expect(loads.started()).toBe(2);
  cache.invalidate(); // an import
  const afterImport = cache.get(em); // load 3, which the query waits for
  expect(loads.started()).toBe(3);
  await loads.finish(1); // the stale reload ends first: not installed
  await loads.finish(2);
  expect(await numberOf(afterImport)).toBe(3);
  expect(await numberOf(cache.get(em))).toBe(3);
});
