import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';
import type { z } from 'zod';
import { MigrateEnvironment, MikroOrmCliEnvironment } from '@healthsync/orm/migrate-environment';
import { PatientsEnvironment } from '@healthsync/patients/environment';
import { UsersEnvironment } from '@healthsync/users/environment';
import { GatewayEnvironment, StackEnvironment } from '../src/environment.js';
import { ENV_EXAMPLE } from './env-example.js';

/** Every schema a process parses its environment with. */
const SCHEMAS: Record<string, z.ZodObject> = {
  stack: StackEnvironment,
  migrate: MigrateEnvironment,
  'mikro-orm CLI': MikroOrmCliEnvironment,
  gateway: GatewayEnvironment,
  users: UsersEnvironment,
  patients: PatientsEnvironment,
};

/** What docker-compose.yml takes from .env (Compose reads the file itself), such as POSTGRES_PASSWORD. */
const COMPOSE_VARIABLES = [
  ...readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{(\w+)/g),
].map(([, name]) => name as string);

const lines = ENV_EXAMPLE;

describe('.env.example', () => {
  test('lists every variable any process reads, and no other', () => {
    const read = new Set([
      ...Object.values(SCHEMAS).flatMap((schema) => Object.keys(schema.shape)),
      ...COMPOSE_VARIABLES,
    ]);
    const listed = new Set(lines.map((line) => line.key));
    expect([...read].filter((key) => !listed.has(key))).toEqual([]);
    expect([...listed].filter((key) => !read.has(key))).toEqual([]);
  });

  test('lists each variable once, and the values it shows are valid where they are read', () => {
    expect(lines.map((line) => line.key).filter((key, index, all) => all.indexOf(key) !== index)).toEqual([]);
    for (const { key, value } of lines.filter((line) => line.active)) {
      for (const [process, schema] of Object.entries(SCHEMAS)) {
        const field = schema.shape[key] as z.ZodType | undefined;
        if (field) expect([process, key, field.safeParse(value).success]).toEqual([process, key, true]);
      }
    }
  });

  test('shows the defaults the code has (paths relative to the repository)', () => {
    for (const { key, value } of lines.filter((line) => line.active)) {
      for (const schema of Object.values(SCHEMAS)) {
        const field = schema.shape[key] as z.ZodType | undefined;
        const fallback = field?.safeParse(undefined);
        if (!fallback?.success || fallback.data === undefined) continue;
        const isPath = typeof fallback.data === 'string' && path.isAbsolute(fallback.data);
        expect([key, isPath ? path.resolve(REPO_ROOT, value) : field?.parse(value)]).toEqual([key, fallback.data]);
      }
    }
  });
});
