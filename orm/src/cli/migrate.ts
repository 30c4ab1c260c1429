/**
 * `npm run migrate`: provisions the database (schemas, roles, extensions) and applies every
 * subgraph's pending migrations. `npm run migration:create -- <subgraph>`: generates a migration.
 * Uses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../database/open.js';
import { databaseUrlWithPassword, provisionDatabase } from '../database/bootstrap.js';
import { createMigration, migrateAll } from '../database/migrate.js';
import { SUBGRAPH_DATABASES, type SubgraphName } from '../database/subgraphs.js';
import { parseEnvironment } from '../environment.js';
import { runMain } from '../process.js';
import { MigrateEnvironment } from './migrate-environment.js';

runMain(async () => {
  const environment = parseEnvironment(MigrateEnvironment, process.env);
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { initial: { type: 'boolean', default: false } },
  });
  const [command = 'up', name] = positionals;
  const log = (line: string) => console.log(line);
  const databaseUrl = environment.DATABASE_URL
    ? databaseUrlWithPassword(environment.DATABASE_URL, environment.DATABASE_PASSWORD)
    : undefined;
  const database = await openDatabase({ databaseUrl, log });
  try {
    await provisionDatabase(database.adminUrl, {
      ...(environment.USERS_DB_PASSWORD ? { users: environment.USERS_DB_PASSWORD } : {}),
      ...(environment.PATIENTS_DB_PASSWORD ? { patients: environment.PATIENTS_DB_PASSWORD } : {}),
    });
    if (command === 'up') {
      await migrateAll(database.adminUrl, log);
    } else if (command === 'create') {
      if (!name || !(name in SUBGRAPH_DATABASES)) {
        throw new Error(`usage: npm run migration:create -- <${Object.keys(SUBGRAPH_DATABASES).join('|')}>`);
      }
      await migrateAll(database.adminUrl);
      const file = await createMigration(database.adminUrl, name as SubgraphName, values.initial);
      log(file ? `created ${file}` : `${name}: entities match the snapshot, no migration needed`);
    } else {
      throw new Error(`unknown command "${command}" (expected up or create)`);
    }
  } finally {
    await database.stop();
  }
});
