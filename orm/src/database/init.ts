import { MikroORM } from '@mikro-orm/postgresql';
import { DatabaseUnavailableError } from './bootstrap.js';
import { createOrmOptions, type OrmOptionsInput, SERVICE_DATABASE_TIMEOUTS } from './config.js';

/**
 * A subgraph's MikroORM, connected, with the service timeouts (unless `input` gives others). Only the connection is wrapped: PostgreSQL away at start is
 * one clear line (`DatabaseUnavailableError`, no password), while a metadata mistake in the
 * entities still fails with MikroORM's own message instead of being blamed on the database.
 */
export async function initSubgraphOrm(input: OrmOptionsInput): Promise<MikroORM> {
  const orm = await MikroORM.init({
    ...createOrmOptions({ timeouts: SERVICE_DATABASE_TIMEOUTS, ...input }),
    connect: false,
  });
  try {
    await orm.connect();
  } catch (error) {
    await orm.close().catch(() => undefined);
    throw new DatabaseUnavailableError(input.clientUrl, error);
  }
  return orm;
}
