import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { createOrmOptions } from './config.js';
import { SUBGRAPH_DATABASES, type SubgraphDatabase, type SubgraphName } from './subgraphs.js';

async function withMigrator<T>(
  adminUrl: string,
  subgraph: SubgraphDatabase,
  entities: Parameters<typeof createOrmOptions>[0]['entities'],
  work: (migrator: Migrator) => Promise<T>,
): Promise<T> {
  const orm = await MikroORM.init({
    ...createOrmOptions({ subgraph, clientUrl: adminUrl, entities, poolSize: 2 }),
    extensions: [Migrator],
  });
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
 * (the MikroORM CLI's `migration:create`, with our per-subgraph config).
 */
export async function createMigration(
  adminUrl: string,
  name: SubgraphName,
  initial = false,
): Promise<string | undefined> {
  const subgraph = SUBGRAPH_DATABASES[name];
  const { entities } = (await import(subgraph.entitiesModule)) as {
    entities: Parameters<typeof createOrmOptions>[0]['entities'];
  };
  const result = await withMigrator(adminUrl, subgraph, entities, (migrator) =>
    migrator.createMigration(subgraph.migrationsPath, false, initial),
  );
  return result.diff.up.length ? result.fileName : undefined;
}
