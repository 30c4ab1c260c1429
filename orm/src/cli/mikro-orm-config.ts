import path from 'node:path';
import type { Options } from '@mikro-orm/postgresql';
import { DatabaseUnavailableError, databaseUrlWithPassword, withClient } from '../database/bootstrap.js';
import { findRunningEmbeddedDatabase } from '../database/open.js';
import { REPO_ROOT, SUBGRAPH_DATABASES, type SubgraphName } from '../database/subgraphs.js';
import { EnvironmentError, parseEnvironment } from '../environment.js';
import { MikroOrmCliEnvironment } from './migrate-environment.js';

/** A reason the CLI cannot work on any database, said in one line with what to do about it. */
class NoDatabaseError extends Error {}

function describeUrl(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname}:${port || 5432}${pathname}`;
}

async function resolveAdminUrl(name: SubgraphName): Promise<string> {
  const environment = parseEnvironment(MikroOrmCliEnvironment, process.env);
  const adminUrl = environment.DATABASE_URL
    ? databaseUrlWithPassword(environment.DATABASE_URL, environment.DATABASE_PASSWORD)
    : findRunningEmbeddedDatabase(path.resolve(REPO_ROOT, environment.DATA_DIR));
  if (!adminUrl)
    throw new NoDatabaseError(
      'no database: set DATABASE_URL to the admin connection (schema owner), or run `npm start` at the repository root (its embedded PostgreSQL is found under DATA_DIR)',
    );
  const { schema } = SUBGRAPH_DATABASES[name];
  // Checked here, before MikroORM connects: its own failure is a usage text and a stack trace.
  const provisioned = await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return rowCount === 1;
  });
  if (!provisioned)
    throw new NoDatabaseError(
      `schema "${schema}" does not exist in ${describeUrl(adminUrl)}: run \`npm run migrate\` first (it provisions the roles, schemas and extensions)`,
    );
  return adminUrl;
}

/**
 * The MikroORM CLI's configuration for one subgraph: the migrator options `npm run migrate` uses
 * (its entities, schema, migrations folder and table), on DATABASE_URL or on the embedded
 * PostgreSQL of a running `npm start`. When there is no database to work on, it prints one line
 * saying so and exits 1: an error thrown here would reach the user as the CLI's usage text and a
 * stack trace.
 */
export async function mikroOrmCliConfig(name: SubgraphName): Promise<Options> {
  try {
    const adminUrl = await resolveAdminUrl(name);
    // MikroORM itself is loaded once there is a database to work on: a refusal stays quick.
    const { loadSubgraphEntities, migratorOptions } = await import('../database/migrate.js');
    return migratorOptions(SUBGRAPH_DATABASES[name], adminUrl, await loadSubgraphEntities(SUBGRAPH_DATABASES[name]));
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) {
      const hint =
        error.code === '3D000'
          ? 'run `npm run migrate` first (it creates the database and provisions it)'
          : 'start it, or set DATABASE_URL to one that runs';
      console.error(`mikro-orm: ${error.message}: ${hint}`);
    } else if (error instanceof NoDatabaseError || error instanceof EnvironmentError) {
      console.error(`mikro-orm: ${error.message}`);
    } else {
      throw error;
    }
    process.exit(1);
  }
}
