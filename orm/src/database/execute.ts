import { type EntityName, ReferenceKind } from '@mikro-orm/core';
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

/** A row of an entity's table turned into a plain object of the entity's properties. */
export type PlainRowMapper<T> = (row: Record<string, unknown>) => T;

const plainRowMappers = new WeakMap<object, PlainRowMapper<unknown>>();

/**
 * Rows read with `execute` as plain objects of `entity`'s scalar properties, for reads that are
 * only ever shown, never changed and flushed: it skips the identity map, the change-tracking
 * snapshot and the rest of `em.map`'s hydration, which took most of the CPU of a page of rows.
 * Each column is converted as hydration converts it (dates by the platform, custom types by their
 * type). Relations and lazy properties are left out (a relation's own id column, such as
 * `createdById`, is a scalar property and stays).
 */
export function plainRowMapper<T extends object>(em: EntityManager, entity: EntityName<T>): PlainRowMapper<T> {
  const meta = em.getMetadata().get(entity);
  let mapper = plainRowMappers.get(meta);
  if (!mapper) {
    const platform = em.getPlatform();
    const columns = meta.props
      .filter((prop) => prop.kind === ReferenceKind.SCALAR && !prop.lazy && prop.fieldNames?.length === 1)
      .map((prop) => {
        const convert: (value: unknown) => unknown =
          prop.runtimeType === 'Date'
            ? (value) => (value instanceof Date ? value : platform.parseDate(value as string))
            : prop.customType
              ? (value) => prop.customType?.convertToJSValue(value, platform)
              : (value) => value;
        return { column: prop.fieldNames[0] as string, name: prop.name as string, convert };
      });
    mapper = (row) => {
      const out: Record<string, unknown> = {};
      for (const { column, name, convert } of columns) {
        const value = row[column];
        out[name] = value === null || value === undefined ? value : convert(value);
      }
      return out;
    };
    plainRowMappers.set(meta, mapper);
  }
  return mapper as PlainRowMapper<T>;
}
