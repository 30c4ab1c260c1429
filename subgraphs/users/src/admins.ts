import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Logger } from '@healthsync/orm';
import { User } from './entities.js';
import type { UsersConfig } from './environment.js';
import { assertAcceptablePassword, hashPassword } from './passwords.js';
import { cutOffAccessTokens, revokeAllSessions } from './tokens.js';

export interface AdminInput {
  email: string;
  password: string;
  name?: string;
}

/**
 * Makes `email` an active ADMIN with `password`: creates the account, or promotes, reactivates
 * and re-keys an existing one (its sessions and tokens end: they were issued under the old password).
 */
export async function createAdmin(em: EntityManager, input: AdminInput): Promise<{ user: User; created: boolean }> {
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const existing = await em.findOne(User, { email: input.email.trim() });
  if (existing) {
    Object.assign(existing, { role: 'ADMIN', active: true, passwordHash });
    cutOffAccessTokens(existing);
    await revokeAllSessions(em, existing.id);
    await em.flush();
    return { user: existing, created: false };
  }
  const user = em.create(User, {
    id: randomUUID(),
    email: input.email.trim(),
    name: input.name?.trim() || 'Administrator',
    passwordHash,
    role: 'ADMIN',
  });
  await em.flush();
  return { user, created: true };
}

/**
 * ADMIN_EMAIL/ADMIN_PASSWORD at start: creates that admin when no active admin exists, so a fresh
 * deployment can be administered without a shell. Replicas starting together may race; the
 * unique email settles it.
 */
export async function ensureFirstAdmin(em: EntityManager, config: UsersConfig, logger: Logger): Promise<void> {
  if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) return;
  if ((await em.count(User, { role: 'ADMIN', active: true })) > 0) return;
  try {
    const { user, created } = await createAdmin(em, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD });
    logger.info(
      { userId: user.id },
      created ? 'first admin created from ADMIN_EMAIL' : 'ADMIN_EMAIL promoted to admin',
    );
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
  }
}
