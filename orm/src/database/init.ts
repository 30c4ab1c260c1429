import { MikroORM } from '@mikro-orm/postgresql';
import { DatabaseUnavailableError } from './bootstrap.js';
import { createOrmOptions, type OrmOptionsInput } from './config.js';

/**
 * A subgraph's MikroORM, connected. Only the connection is wrapped: PostgreSQL away at start is
 * one clear line (`DatabaseUnavailableError`, no password), while a metadata mistake in the
 * entities still fails with MikroORM's own message instead of being blamed on the database.
 */
export async function initSubgraphOrm(input: OrmOptionsInput): Promise<MikroORM> {
  const orm = await MikroORM.init({ ...createOrmOptions(input), connect: false });
  try {
    await orm.connect();
  } catch (error) {
    await orm.close().catch(() => undefined);
    throw new DatabaseUnavailableError(input.clientUrl, error);
  }
  return orm;
}
