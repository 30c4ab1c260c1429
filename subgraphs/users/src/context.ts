import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { bearerToken, type AccessTokenVerifier, type HasViewer, type Logger, type RequestScope } from '@healthsync/orm';
import { User } from './entities.js';
import type { UsersConfig } from './environment.js';
import type { SigningKeys } from './keys.js';

/** What the users subgraph needs for a whole process: built once in createUsersServer. */
export interface UsersServices {
  config: UsersConfig;
  keys: SigningKeys;
  verifyAccessToken: AccessTokenVerifier;
}

export interface UsersContext extends HasViewer {
  requestId: string;
  logger: Logger;
  /** A fork of the global entity manager: one unit of work per request. */
  em: EntityManager;
  loaders: { userById: DataLoader<string, User | null> };
  services: UsersServices;
}

/** Loads a page of users with one SQL statement, whatever the page size. */
function userLoader(em: EntityManager) {
  return new DataLoader<string, User | null>(async (ids) => {
    const users = await em.find(User, { id: { $in: [...ids] } });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export async function createUsersContext(
  scope: RequestScope,
  em: EntityManager,
  services: UsersServices,
): Promise<UsersContext> {
  const token = bearerToken(scope.req.headers.authorization);
  const viewer = token ? await services.verifyAccessToken(token) : null;
  return {
    viewer,
    requestId: scope.requestId,
    logger: scope.logger,
    em,
    loaders: { userById: userLoader(em) },
    services,
  };
}
