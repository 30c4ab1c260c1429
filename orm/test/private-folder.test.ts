/**
 * A clone under a private folder (mode 0700: root's home, `mktemp -d`). As root the embedded
 * PostgreSQL runs as the `postgres` user, which cannot reach anything below that folder — neither
 * the data folder nor the binaries in node_modules. The workspace is hard-linked into such a
 * folder (same files, the private path in front of them), and a cluster is started from there as
 * `npm start` and `npm test` start theirs: it must come up and answer. As another user the
 * cluster runs as that user and the folder is no obstacle; the same start must work too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';

const privateFolder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-private-'));
chmodSync(privateFolder, 0o700);
const clone = path.join(privateFolder, 'healthsync');
/** What the start put under /var/tmp because the postgres user could not reach the clone. */
const madeOutside: string[] = [];

afterAll(() => {
  for (const folder of [privateFolder, ...madeOutside]) rmSync(folder, { recursive: true, force: true });
});

const PROBE = `
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from './orm/src/database/embedded.ts';

const cluster = await startEmbeddedPostgres({
  dataDir: path.resolve('.data/postgres'),
  log: (line) => console.log('log:', line),
});
const client = new pg.Client({ connectionString: cluster.url });
await client.connect();
const { rows } = await client.query('select current_user as who, 6 * 7 as answer');
await client.end();
await cluster.stop();
console.log('answer:', JSON.stringify(rows[0]));
`;

test('the embedded PostgreSQL starts and answers from a clone under a private folder', () => {
  for (const part of ['package.json', 'tsconfig.json', 'orm'])
    cpSync(path.join(REPO_ROOT, part), path.join(clone, part), { recursive: true, verbatimSymlinks: true });
  // node_modules as hard links (seconds, not a gigabyte copied): the same files behind a private path.
  execFileSync('cp', ['-al', path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules')]);
  writeFileSync(path.join(clone, 'probe.ts'), PROBE);
  const privateTmp = path.join(privateFolder, 'tmp');
  mkdirSync(privateTmp, { mode: 0o700 });
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'probe.ts'], {
    cwd: clone,
    encoding: 'utf8',
    timeout: 110_000,
    // A private TMPDIR as well (`mktemp -d` sets one): initdb's password file goes there.
    env: { PATH: process.env.PATH ?? '', HOME: privateFolder, TMPDIR: privateTmp },
  });
  const lines = `${result.stdout}\n${result.stderr}`.split('\n');
  for (const line of lines) {
    const outside = line.match(/(?:using|copying them to) (\/var\/tmp\/healthsync-[^/\s]+)/)?.[1];
    if (outside) madeOutside.push(outside);
  }
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(lines).toContain('answer: {"who":"postgres","answer":42}');
  if (process.getuid?.() === 0) {
    // Root: both the data folder and the binaries had to move where `postgres` reaches them.
    expect(lines.some((line) => line.includes('is not reachable by the postgres user; using /var/tmp/'))).toBe(true);
    expect(
      lines.some((line) => line.includes('are not reachable by the postgres user; copying them to /var/tmp/')),
    ).toBe(true);
    expect(execFileSync('stat', ['-c', '%a', privateFolder], { encoding: 'utf8' }).trim()).toBe('700');
  }
}, 120_000);
