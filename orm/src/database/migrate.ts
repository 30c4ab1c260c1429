import { type Options, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { createOrmOptions, type OrmOptionsInput } from './config.js';
import { SUBGRAPH_DATABASES, type SubgraphDatabase, type SubgraphName } from './subgraphs.js';

type Entities = OrmOptionsInput['entities'];

/**
 * What MikroORM's migrator runs with for one subgraph: the service's own options (its schema,
 * migrations folder and table) on the admin connection, the schema owner, plus the Migrator.
 * `npm run migrate`, `npm run migration:create` and the MikroORM CLI (each subgraph's
 * mikro-orm.config.js) all build it here.
 */
export function migratorOptions(subgraph: SubgraphDatabase, adminUrl: string, entities: Entities = []): Options {
  return { ...createOrmOptions({ subgraph, clientUrl: adminUrl, entities, poolSize: 2 }), extensions: [Migrator] };
}

/** The subgraph's entities: what a migration is diffed from (applying one needs none). */
export async function loadSubgraphEntities(subgraph: SubgraphDatabase): Promise<Entities> {
  const { entities } = (await import(subgraph.entitiesModule)) as { entities: Entities };
  return entities;
}

async function withMigrator<T>(
  adminUrl: string,
  subgraph: SubgraphDatabase,
  entities: Entities,
  work: (migrator: Migrator) => Promise<T>,
  { writesSnapshot = false } = {},
): Promise<T> {
  const options = migratorOptions(subgraph, adminUrl, entities);
  // Applying or reverting never rewrites the committed snapshot: MikroORM would store the live
  // database's schema after `up`, which another PostgreSQL version introspects slightly
  // differently (a check constraint's column, say). Only a new migration changes it.
  const orm = await MikroORM.init(
    writesSnapshot ? options : { ...options, migrations: { ...options.migrations, snapshot: false } },
  );
  try {
    return await work(orm.getMigrator() as Migrator);
  } finally {
    await orm.close(true);
  }
}

/** Applies every pending migration of each subgraph (as the schema owner). Idempotent. */
export async function migrateAll(adminUrl: string, log: (line: string) => void = () => {}): Promise<void> {
  for (const subgraph of Object.values(SUBGRAPH_DATABASES)) {
    const applied = await withMigrator(adminUrl, subgraph, [], (migrator) => migrator.up());
    log(`${subgraph.name}: ${applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'up to date'}`);
  }
}

/** Reverts every migration of each subgraph, newest first (used by the migrations test). */
export async function revertAll(adminUrl: string): Promise<void> {
  for (const subgraph of Object.values(SUBGRAPH_DATABASES).reverse()) {
    await withMigrator(adminUrl, subgraph, [], (migrator) => migrator.down({ to: 0 }));
  }
}

/**
 * Generates a migration for one subgraph by diffing its entities against the committed snapshot
 * (what `npx mikro-orm migration:create` does in the subgraph's folder).
 */
export async function createMigration(
  adminUrl: string,
  name: SubgraphName,
  initial = false,
): Promise<string | undefined> {
  const subgraph = SUBGRAPH_DATABASES[name];
  const entities = await loadSubgraphEntities(subgraph);
  const result = await withMigrator(
    adminUrl,
    subgraph,
    entities,
    (migrator) => migrator.createMigration(subgraph.migrationsPath, false, initial),
    { writesSnapshot: true },
  );
  return result.diff.up.length ? result.fileName : undefined;
}
