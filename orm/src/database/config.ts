import { defineConfig, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { EntitySchema } from '@mikro-orm/core';
import { replicaDatabaseUrl } from './replicas.js';
import { SUBGRAPH_DATABASES, type SubgraphDatabase } from './subgraphs.js';

export interface OrmOptionsInput {
  subgraph: SubgraphDatabase;
  clientUrl: string;
  // biome-ignore lint/suspicious/noExplicitAny: entity schemas of any shape
  entities: EntitySchema<any, any>[];
  /**
   * PostgreSQL streaming read replicas (DATABASE_REPLICA_URLS), as MikroORM's `replicas`: each with
   * the primary's pool and timeouts. Only reads sent there on purpose use them (`replicaReads`).
   */
  replicaUrls?: string[];
  /** Connection pool size (per process). */
  poolSize?: number;
  /** Called with each SQL statement when set (tests count statements with it). */
  onQuery?: (sql: string) => void;
  /**
   * PostgreSQL settings of every pooled connection, sent once when it opens (the `options`
   * startup parameter): no `SET` statement, and no transaction for `SET LOCAL`, per request.
   */
  sessionSettings?: Record<string, string>;
  /**
   * Bounds on waiting for the database, for services (a request fails within seconds instead of
   * hanging; gateway/README.md, "What a client sees during a fault"). Unset (migrations, CLIs): no bound beyond the connect timeout.
   */
  timeouts?: DatabaseTimeouts;
}

export interface DatabaseTimeouts {
  /** Longest wait for a free pooled connection (all busy, or the database not answering). */
  acquireMs: number;
  /** PostgreSQL's statement_timeout: the server cancels a statement running longer. */
  statementMs: number;
  /** The driver's own bound on one query's answer: a server that does not answer at all (stopped, cut off). */
  queryMs: number;
}

/** What services use: each below the gateway's SUBGRAPH_TIMEOUT_SECONDS (10 s), so a slow database is reported as such. */
export const SERVICE_DATABASE_TIMEOUTS: DatabaseTimeouts = { acquireMs: 3_000, statementMs: 5_000, queryMs: 6_000 };

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
    replicas: (input.replicaUrls ?? []).map((url, index) => ({
      name: `replica-${index + 1}`,
      clientUrl: replicaDatabaseUrl(input.clientUrl, url),
    })),
    // MikroORM would send every read outside a transaction to a replica; only the reads that
    // tolerate lag go there, chosen by the caller (`replicaReads`).
    preferReadReplicas: false,
    // Fail fast when PostgreSQL is away instead of queueing requests behind a dead pool.
    driverOptions: {
      connection: {
        connectionTimeoutMillis: 5_000,
        ...(input.sessionSettings ? { options: startupOptions(input.sessionSettings) } : {}),
        ...(input.timeouts
          ? { statement_timeout: input.timeouts.statementMs, query_timeout: input.timeouts.queryMs }
          : {}),
      },
      ...(input.timeouts ? { acquireConnectionTimeout: input.timeouts.acquireMs } : {}),
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
