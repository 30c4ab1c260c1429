/**
 * `npm run migrate`: provisions the database (schemas, roles, extensions) and applies every
 * subgraph's pending migrations. `npm run migration:create -- <subgraph>`: generates a migration.
 * Both run MikroORM's migrator with the options of `npx mikro-orm` (migratorOptions).
 * Uses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/ (the running one of
 * `npm start`, or one started for the command).
 */
import { parseArgs } from 'node:util';
import { findRunningEmbeddedDatabase, openDatabase } from '../database/open.js';
import { databaseUrlWithPassword, provisionDatabase } from '../database/bootstrap.js';
import { createMigration, migrateAll } from '../database/migrate.js';
import { SUBGRAPH_DATABASES, type SubgraphName } from '../database/subgraphs.js';
import { parseEnvironment } from '../environment.js';
import { runMain } from '../process.js';
import { MigrateEnvironment } from './migrate-environment.js';

function usageProblem(command: string, name: string | undefined): string | undefined {
  if (command === 'up') return undefined;
  if (command !== 'create') return `unknown command "${command}" (expected up or create)`;
  if (name && name in SUBGRAPH_DATABASES) return undefined;
  return `usage: npm run migration:create -- <${Object.keys(SUBGRAPH_DATABASES).join('|')}>`;
}

runMain(async () => {
  const environment = parseEnvironment(MigrateEnvironment, process.env);
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { initial: { type: 'boolean', default: false } },
  });
  const [command = 'up', name] = positionals;
  // A mistyped command is said in one line before anything starts (no stack trace, no database).
  const usage = usageProblem(command, name);
  if (usage) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const log = (line: string) => console.log(line);
  const configured = environment.DATABASE_URL
    ? databaseUrlWithPassword(environment.DATABASE_URL, environment.DATABASE_PASSWORD)
    : undefined;
  // While `npm start` runs, its embedded cluster is the database: a second one cannot start on
  // the same folder.
  const running = configured ? undefined : findRunningEmbeddedDatabase();
  if (running) log('using the embedded PostgreSQL of the running npm start');
  const database = await openDatabase({ databaseUrl: configured ?? running, log });
  try {
    await provisionDatabase(database.adminUrl, {
      ...(environment.USERS_DB_PASSWORD ? { users: environment.USERS_DB_PASSWORD } : {}),
      ...(environment.PATIENTS_DB_PASSWORD ? { patients: environment.PATIENTS_DB_PASSWORD } : {}),
    });
    if (command === 'create') {
      await migrateAll(database.adminUrl);
      const file = await createMigration(database.adminUrl, name as SubgraphName, values.initial);
      log(file ? `created ${file}` : `${name}: entities match the snapshot, no migration needed`);
    } else {
      await migrateAll(database.adminUrl, log);
    }
  } finally {
    await database.stop();
  }
});
