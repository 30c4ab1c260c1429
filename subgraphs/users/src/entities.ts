import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES } from '@healthsync/orm';

export const User = defineEntity({
  name: 'User',
  tableName: 'account',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    // citext: one account per address whatever its case.
    email: p.string().columnType('citext').unique(),
    name: p.string().length(200),
    passwordHash: p.text().lazy(),
    role: p.enum([...ROLES]).default('CLINICIAN'),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    lastLoginAt: p.datetime().nullable(),
  },
});
export type User = InferEntity<typeof User>;

/** Every entity of the users subgraph (what its ORM and its migrations know). */
export const entities = [User];
