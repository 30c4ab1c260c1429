/**
 * Search quality on a fixed slice of the labelled evaluation set (scripts/search-evaluation/): the
 * whole set's figures are the bench's (`npm run bench:search`); this slice fails the suite when
 * precision@1 drops below the target of issue 14 or a person meant falls out of the first three.
 */
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import {
  insertEvaluationPeople,
  loadEvaluationSet,
  runQueries,
  scoresOf,
} from '../scripts/search-evaluation/evaluate.js';
import { createPatientsHarness, type PatientsHarness } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

test('on every fifth query of the set: precision@1 ≥ 0.95 and recall@3 = 1', async () => {
  const set = loadEvaluationSet();
  expect(set.people.length).toBeGreaterThanOrEqual(2000);
  expect(set.queries.length).toBeGreaterThanOrEqual(200);
  const em = harness.orm.em.fork();
  const ids = await insertEvaluationPeople(em, set);
  const slice = set.queries.filter((_, index) => index % 5 === 0);
  const outcomes = await runQueries(em, ids, slice);
  const scores = scoresOf(outcomes);
  const misses = outcomes.filter((o) => o.rank !== 1).map((o) => `${o.query.query} → rank ${o.rank}`);
  expect({ precisionAt1: scores.precisionAt1 >= 0.95, misses }).toEqual({ precisionAt1: true, misses });
  expect({ recallAt3: scores.recallAt3, misses }).toEqual({ recallAt3: 1, misses });
  expect(new Set(slice.map((query) => query.kind)).size).toBeGreaterThanOrEqual(10);
}, 120_000);
