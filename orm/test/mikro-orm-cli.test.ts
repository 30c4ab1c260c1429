/**
 * The MikroORM CLI as MikroORM users run it: the real `mikro-orm` binary in each subgraph's
 * folder, finding that folder's mikro-orm.config.js by itself, against a throwaway database.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findFreePort,
  findRunningEmbeddedDatabase,
  REPO_ROOT,
  SUBGRAPH_DATABASES,
  type SubgraphName,
  withClient,
} from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';

const CLI = path.join(REPO_ROOT, 'node_modules/.bin/mikro-orm');
const CLI_TIMEOUT_MS = 60_000;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx mikro-orm …args` in the subgraph's folder (uncoloured, so the output can be read). */
function mikroOrm(subgraph: SubgraphName, args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      CLI,
      args,
      {
        cwd: path.join(REPO_ROOT, 'subgraphs', subgraph),
        env: { ...process.env, NO_COLOR: '1', ...env },
        timeout: CLI_TIMEOUT_MS,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The migrations committed in the subgraph's folder, oldest first. */
const committed = (subgraph: SubgraphName) =>
  readdirSync(SUBGRAPH_DATABASES[subgraph].migrationsPath)
    .filter((file) => /^Migration\d+\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});
afterAll(() => database.drop());

const executed = (subgraph: SubgraphName) =>
  withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM ${client.escapeIdentifier(SUBGRAPH_DATABASES[subgraph].schema)}.mikro_orm_migrations ORDER BY id`,
    );
    return rows.map((row) => row.name);
  });

test.each(Object.keys(SUBGRAPH_DATABASES) as SubgraphName[])(
  '%s: migration:up applies every committed migration, list shows them, down to 0 and up again round-trip, check agrees with the snapshot',
  async (subgraph) => {
    const cli = (...args: string[]) => mikroOrm(subgraph, args, { DATABASE_URL: database.adminUrl });
    const migrations = committed(subgraph);
    expect(migrations.length).toBeGreaterThan(0);

    const up = await cli('migration:up');
    expect(up).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Successfully migrated up to the latest version'),
    });
    const list = await cli('migration:list');
    expect(list.code).toBe(0);
    expect(list.stdout.match(/Migration\d+/g)).toEqual(migrations);

    const down = await cli('migration:down', '--to', '0');
    expect(down).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Successfully migrated down to the first version'),
    });
    expect(await executed(subgraph)).toEqual([]);
    expect((await cli('migration:up')).code).toBe(0);
    expect(await executed(subgraph)).toEqual(migrations);

    const check = await cli('migration:check');
    expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining('No changes required') });
  },
  4 * CLI_TIMEOUT_MS,
);

test(
  'migration:check fails when the entities changed and no migration was generated',
  async () => {
    const config = path.join(REPO_ROOT, 'orm/test/fixtures/forgotten-migration.config.js');
    const check = await mikroOrm('users', ['migration:check', '--config', config], { DATABASE_URL: database.adminUrl });
    expect(check).toMatchObject({ code: 1, stdout: expect.stringContaining('Changes detected') });
  },
  CLI_TIMEOUT_MS,
);

describe('without a database to work on, the CLI says so in one line', () => {
  const oneLine = (run: CliRun) => ({ code: run.code, lines: run.stderr.trim().split('\n'), stdout: run.stdout });

  test(
    'DATABASE_URL where nothing listens',
    async () => {
      const port = await findFreePort();
      const run = await mikroOrm('patients', ['migration:list'], {
        DATABASE_URL: `postgres://postgres:secret-password@127.0.0.1:${port}/healthsync`,
      });
      expect(oneLine(run)).toEqual({
        code: 1,
        lines: [
          `mikro-orm: cannot reach PostgreSQL at 127.0.0.1:${port}/healthsync (ECONNREFUSED): start it, or set DATABASE_URL to one that runs`,
        ],
        stdout: '',
      });
    },
    CLI_TIMEOUT_MS,
  );

  test(
    'no DATABASE_URL and no embedded PostgreSQL running under DATA_DIR',
    async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-cli-'));
      try {
        const run = await mikroOrm('users', ['migration:pending'], { DATABASE_URL: '', DATA_DIR: dataDir });
        expect(oneLine(run)).toEqual({
          code: 1,
          lines: [expect.stringMatching(/^mikro-orm: no database: set DATABASE_URL .* or run `npm start`/)],
          stdout: '',
        });
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    CLI_TIMEOUT_MS,
  );
});

describe('with no DATABASE_URL, the embedded PostgreSQL that npm start runs under DATA_DIR', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'healthsync-cli-'));
    // As root, a folder closed to the `postgres` user is looked for under /var/tmp (resolveDataDir).
    chmodSync(dataDir, 0o755);
    mkdirSync(path.join(dataDir, 'postgres'));
    writeFileSync(path.join(dataDir, 'postgres.password'), 'cluster-password\n');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** PostgreSQL's postmaster.pid: pid, data folder, start time, port, socket folder, address… */
  const postmasterPid = (pid: number, port: number) =>
    writeFileSync(
      path.join(dataDir, 'postgres', 'postmaster.pid'),
      `${pid}\n${path.join(dataDir, 'postgres')}\n1796125001\n${port}\n\n127.0.0.1\n  5751445        40\nready   \n`,
    );

  test('is found from its postmaster.pid and password file while its postmaster runs', () => {
    postmasterPid(process.pid, 39739);
    expect(findRunningEmbeddedDatabase(dataDir)).toBe(
      'postgres://postgres:cluster-password@127.0.0.1:39739/healthsync',
    );
  });

  test('is not found when stopped (no postmaster.pid) or crashed (its process is gone)', async () => {
    expect(findRunningEmbeddedDatabase(dataDir)).toBeUndefined();
    const gone = execFile(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    postmasterPid(gone.pid as number, 39739);
    expect(findRunningEmbeddedDatabase(dataDir)).toBeUndefined();
  });
});
