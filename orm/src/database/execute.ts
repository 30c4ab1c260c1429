import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * `em.execute(sql, params)` with the parameters sent to PostgreSQL as bound values (`$1`…) instead
 * of written into the SQL text: MikroORM's execute quotes and escapes every parameter character by
 * character and the server parses it back, which for a bulk write's one JSON parameter (tens of
 * kB) was the largest single cost of an import call. Same rows, same transaction (`em`'s, when it
 * is inside one), the same query log (the statement counts of the tests) and the same converted
 * driver errors. `?` marks a parameter, as in em.execute. It runs on em's own connection (its
 * transaction's, else the primary): reads that may go to a read replica keep em.execute, which a
 * request's `replicaReads` routes.
 */
export async function executeBound<T extends object = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const knex = em.getTransactionContext<Knex.Transaction>() ?? em.getConnection().getKnex();
  const started = Date.now();
  try {
    const result = (await knex.raw(sql, params as Knex.ValueDict[])) as { rows: T[] };
    em.config.getLogger().logQuery({ level: 'info', query: sql, took: Date.now() - started });
    return result.rows;
  } catch (error) {
    em.config.getLogger().logQuery({ level: 'error', query: sql, took: Date.now() - started });
    throw em.getDriver().convertException(error as Error);
  }
}
