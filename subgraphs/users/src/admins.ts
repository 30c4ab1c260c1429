import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { AppError, EnvironmentError, type Logger } from '@healthsync/orm';
import { AuthEvent, User } from './entities.js';
import type { UsersConfig } from './environment.js';
import type { PasswordHasher } from './passwords.js';
import { cutOffAccessTokens, revokeAllSessions } from './tokens.js';

export interface AdminInput {
  email: string;
  password: string;
  name?: string;
}

/**
 * Makes `email` an active ADMIN with `password`: creates the account, or promotes, reactivates
 * and re-keys an existing one (its sessions and tokens end: they were issued under the old
 * password). Recorded in the auth events as a ROLE_CHANGE (or SIGN_UP) with no actor: an
 * operator did it from a shell or the environment.
 */
export async function createAdmin(
  em: EntityManager,
  passwords: PasswordHasher,
  input: AdminInput,
): Promise<{ user: User; created: boolean }> {
  const email = input.email.trim();
  const existing = await em.findOne(User, { email });
  const name = existing?.name ?? (input.name?.trim() || 'Administrator');
  const passwordHash = await passwords.hashAcceptable(input.password, { email, name });
  const event = (action: 'ROLE_CHANGE' | 'SIGN_UP', user: User) =>
    em.create(AuthEvent, { action, outcome: 'SUCCESS', actorId: null, targetUserId: user.id });
  if (existing) {
    Object.assign(existing, { role: 'ADMIN', state: 'ACTIVE', passwordHash });
    cutOffAccessTokens(existing);
    await revokeAllSessions(em, existing.id);
    event('ROLE_CHANGE', existing);
    await em.flush();
    return { user: existing, created: false };
  }
  const user = em.create(User, { id: randomUUID(), email, name, passwordHash, role: 'ADMIN', state: 'ACTIVE' });
  event('SIGN_UP', user);
  await em.flush();
  return { user, created: true };
}

/**
 * ADMIN_EMAIL/ADMIN_PASSWORD at start: creates that admin when no active admin exists, so a fresh
 * deployment can be administered without a shell. Replicas starting together may race; the
 * unique email settles it.
 */
export async function ensureFirstAdmin(
  em: EntityManager,
  passwords: PasswordHasher,
  config: UsersConfig,
  logger: Logger,
): Promise<void> {
  if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) return;
  if ((await em.count(User, { role: 'ADMIN', state: 'ACTIVE' })) > 0) return;
  try {
    const { user, created } = await createAdmin(em, passwords, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
    });
    logger.info(
      { userId: user.id },
      created ? 'first admin created from ADMIN_EMAIL' : 'ADMIN_EMAIL promoted to admin',
    );
  } catch (error) {
    // A refused password is a setting to fix: one line, as for any other bad variable.
    if (error instanceof AppError) throw new EnvironmentError([`ADMIN_PASSWORD: ${error.message}`]);
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
  }
}
