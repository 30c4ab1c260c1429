/**
 * `npm run users:create-admin -- --email admin@example.org [--name "Ada Admin"]`: makes that
 * account an active ADMIN (creating it, or promoting an existing one). The password comes from
 * ADMIN_PASSWORD or stdin, never from the command line (it would sit in shell history and `ps`).
 * Uses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/ (stop `npm start` first).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AppError, runMain } from '@healthsync/orm';
import {
  initSubgraphOrm,
  migrateAll,
  openDatabase,
  provisionDatabase,
  SUBGRAPH_DATABASES,
} from '@healthsync/orm/database';
import { createAdmin } from '../admins.js';
import { entities } from '../entities.js';
import { loadAdminCliConfig } from '../environment.js';
import { createPasswordHasher } from '../passwords.js';

/** The password from a pipe (first line), or typed at a terminal without echo. */
async function readPassword(): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const terminal = process.stdin.isTTY === true;
  if (terminal) process.stderr.write('Password for the admin (not shown): ');
  const lines = createInterface({ input: process.stdin, output: terminal ? silent : undefined, terminal });
  for await (const line of lines) {
    lines.close();
    if (terminal) process.stderr.write('\n');
    return line;
  }
  return '';
}

/** An operator's mistake: one line, exit 1, no stack. */
function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

runMain(async () => {
  const config = loadAdminCliConfig();
  if (process.argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    return fail('refusing --password: pass it on stdin or in ADMIN_PASSWORD, never on the command line');
  }
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  if (!values.email) return fail('usage: npm run users:create-admin -- --email <email> [--name <name>]');
  const password = config.ADMIN_PASSWORD ?? (await readPassword());

  const database = await openDatabase({ databaseUrl: config.DATABASE_URL });
  try {
    await provisionDatabase(database.adminUrl);
    await migrateAll(database.adminUrl);
    const orm = await initSubgraphOrm({ subgraph: SUBGRAPH_DATABASES.users, clientUrl: database.adminUrl, entities });
    const passwords = createPasswordHasher({ maxWaitMs: Number.POSITIVE_INFINITY });
    try {
      const { user, created } = await createAdmin(orm.em.fork(), passwords, {
        email: values.email,
        password,
        ...(values.name ? { name: values.name } : {}),
      });
      console.log(`${created ? 'created' : 'promoted'} admin ${user.email} (${user.id})`);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(error.message);
    } finally {
      await Promise.all([orm.close(), passwords.close()]);
    }
  } finally {
    await database.stop();
  }
});
