import { defineConfig, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { EntitySchema } from '@mikro-orm/core';
import { SUBGRAPH_DATABASES, type SubgraphDatabase } from './subgraphs.js';

export interface OrmOptionsInput {
  subgraph: SubgraphDatabase;
  clientUrl: string;
  // biome-ignore lint/suspicious/noExplicitAny: entity schemas of any shape
  entities: EntitySchema<any, any>[];
  /** Connection pool size (per process). */
  poolSize?: number;
  /** Called with each SQL statement when set (tests count statements with it). */
  onQuery?: (sql: string) => void;
  /**
   * PostgreSQL settings of every pooled connection, sent once when it opens (the `options`
   * startup parameter): no `SET` statement, and no transaction for `SET LOCAL`, per request.
   */
  sessionSettings?: Record<string, string>;
}

const SETTING = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** `-c name=value …` for the startup packet; names and values are plain words (no escaping needed). */
function startupOptions(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!SETTING.test(name) || !/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`unusable setting ${name}`);
      return `-c ${name}=${value}`;
    })
    .join(' ');
}

/**
 * One subgraph's MikroORM configuration: its own schema as the default, its own entities, its own
 * migrations folder and a migrations table inside its schema. Every process (service, migrate CLI,
 * tests) builds its config here so that they cannot drift apart.
 */
export function createOrmOptions(input: OrmOptionsInput): Options {
  const { subgraph } = input;
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: input.clientUrl,
    schema: subgraph.schema,
    entities: input.entities,
    discovery: { warnWhenNoEntities: false },
    // A subgraph's migrations see its own schema only, never the other subgraphs' ones.
    schemaGenerator: {
      ignoreSchema: Object.values(SUBGRAPH_DATABASES)
        .map((s) => s.schema)
        .filter((s) => s !== subgraph.schema),
    },
    forceUtcTimezone: true,
    // Entities are plain `defineEntity` schemas: nothing to read from TypeScript at run time.
    preferTs: true,
    pool: { min: 0, max: input.poolSize ?? 10, idleTimeoutMillis: 10_000 },
    // Fail fast when PostgreSQL is away instead of queueing requests behind a dead pool.
    driverOptions: {
      connection: {
        connectionTimeoutMillis: 5_000,
        ...(input.sessionSettings ? { options: startupOptions(input.sessionSettings) } : {}),
      },
    },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: subgraph.migrationsPath,
      pathTs: subgraph.migrationsPath,
      glob: '!(*.d).ts',
      emit: 'ts',
      snapshot: true,
      snapshotName: '.snapshot',
      transactional: true,
      allOrNothing: true,
      safe: false,
      silent: true,
    },
    ...(input.onQuery
      ? {
          debug: ['query'],
          logger: (message: string) => input.onQuery?.(message),
        }
      : { debug: false }),
  });
}
