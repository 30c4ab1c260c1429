import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * A read replica's URL as a service connects to it: the role, password and database that
 * `replicaUrl` does not name are the primary's (a replica of the same cluster has the same roles),
 * so one DATABASE_REPLICA_URLS serves every subgraph.
 */
export function replicaDatabaseUrl(primaryUrl: string, replicaUrl: string): string {
  const primary = new URL(primaryUrl);
  const replica = new URL(replicaUrl);
  if (!replica.username) {
    replica.username = primary.username;
    replica.password = primary.password;
  }
  if (replica.pathname === '' || replica.pathname === '/') replica.pathname = primary.pathname;
  if (!replica.search) replica.search = primary.search;
  return replica.toString();
}

/**
 * Which reads of one request go to a read replica: those through `em`, as long as the request
 * wrote nothing. A mutation calls `usePrimary()` before it runs (what it answers, and anything
 * read after it, must see its own write, which a replica may not have replayed yet); reads inside a
 * transaction always use the transaction's connection.
 */
export interface ReplicaReads {
  /** The request's entity manager, with its raw reads (`execute`) sent to a replica. */
  em: EntityManager;
  usePrimary(): void;
  /** Whether reads still go to a replica (false without replicas). */
  readonly onReplica: boolean;
}

/**
 * Routes the raw reads (`em.execute`: lists, searches, the clinical record) of `em` to one of
 * MikroORM's `replicas`, chosen at random per statement; everything else (the unit of work, flush,
 * entity loads by id, transactions) stays on `em` itself, the primary. Without replicas
 * configured MikroORM's read connection is the primary, so this changes nothing.
 */
export function replicaReads(em: EntityManager): ReplicaReads {
  let primaryOnly = false;
  const execute: EntityManager['execute'] = (query, params = [], method = 'all', loggerContext) =>
    primaryOnly || em.isInTransaction()
      ? em.execute(query, params, method, loggerContext)
      : em.getConnection('read').execute(query, params, method, undefined, loggerContext);
  const routed = new Proxy(em, {
    get(target, property) {
      if (property === 'execute') return execute;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    em: routed,
    usePrimary: () => {
      primaryOnly = true;
    },
    get onReplica() {
      return !primaryOnly;
    },
  };
}
