/**
 * The one environment parser (orm/src/environment.ts): any variable may come from a file
 * (`NAME_FILE`, Docker and Kubernetes secrets), and every problem is listed at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { EnvironmentError, parseEnvironment } from '@healthsync/orm';
import { GATEWAY_LIMITS, serviceEnvironment, withServiceChecks } from '@healthsync/orm/http';

const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-env-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const secretFile = (name: string, content: string) => {
  const file = path.join(folder, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
};

const Schema = withServiceChecks(
  z.object({ ...serviceEnvironment({ port: 4000, limits: GATEWAY_LIMITS }), DATABASE_URL: z.url().optional() }),
);
const problemsOf = (source: Record<string, string>) => {
  try {
    parseEnvironment(Schema, source);
    return [];
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return error.problems;
  }
};

test('NAME_FILE gives NAME the content of that file, one trailing newline dropped', () => {
  const secret = 'from-a-file-'.padEnd(40, 'x');
  const config = parseEnvironment(Schema, {
    SUBGRAPH_SECRET_FILE: secretFile('subgraph_secret', `${secret}\n`),
    DATABASE_URL_FILE: secretFile('database_url', 'postgres://admin:p%40ss@db:5432/healthsync'),
  });
  expect(config.SUBGRAPH_SECRET).toBe(secret);
  expect(config.DATABASE_URL).toBe('postgres://admin:p%40ss@db:5432/healthsync');
});

test('NAME_FILE works through refinements and transforms of the schema, as the services build theirs', () => {
  const secret = 'through-a-transform-'.padEnd(40, 'x');
  const Transformed = Schema.refine(() => true).transform((config) => ({ ...config, derived: true }));
  const config = parseEnvironment(Transformed, { SUBGRAPH_SECRET_FILE: secretFile('transformed_secret', secret) });
  expect(config.SUBGRAPH_SECRET).toBe(secret);
  expect(config.derived).toBe(true);
});

test('a file value is validated like the variable, and both forms at once are refused', () => {
  const short = secretFile('short_secret', 'too short\n');
  expect(problemsOf({ SUBGRAPH_SECRET_FILE: short })).toEqual([expect.stringMatching(/^SUBGRAPH_SECRET: .*32/)]);
  expect(problemsOf({ SUBGRAPH_SECRET: 's'.repeat(32), SUBGRAPH_SECRET_FILE: short })).toEqual([
    'SUBGRAPH_SECRET: set either SUBGRAPH_SECRET or SUBGRAPH_SECRET_FILE, not both',
  ]);
});

test('an unreadable file is listed with the other problems, by path and reason, never by content', () => {
  const missing = path.join(folder, 'nowhere');
  const problems = problemsOf({ SUBGRAPH_SECRET_FILE: missing, PORT: 'eighty' });
  expect(problems).toContain(`SUBGRAPH_SECRET_FILE: cannot read ${missing} (ENOENT)`);
  expect(problems).toContainEqual(expect.stringMatching(/^PORT: /));
});

test('production requires the subgraph secret; development does not', () => {
  expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
    expect.stringMatching(/^SUBGRAPH_SECRET: required when NODE_ENV=production/),
  ]);
  expect(problemsOf({ NODE_ENV: 'production', SUBGRAPH_SECRET: 's'.repeat(32) })).toEqual([]);
  expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
});
