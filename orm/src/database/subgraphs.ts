import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is orm/src/database/subgraphs.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type SubgraphName = 'users' | 'patients';

/** What the toolkit knows about each subgraph's slice of the database. */
export interface SubgraphDatabase {
  name: SubgraphName;
  /** PostgreSQL schema the subgraph owns; nothing else may read it. */
  schema: string;
  /** Login role the subgraph connects as; it has rights on `schema` only. */
  role: string;
  /** Folder of the subgraph's CLI-generated migrations and their snapshot. */
  migrationsPath: string;
  /** Module exporting `entities`, used when a migration is generated. */
  entitiesModule: string;
}

function subgraph(name: SubgraphName): SubgraphDatabase {
  const root = path.join(REPO_ROOT, 'subgraphs', name);
  return {
    name,
    schema: name,
    role: `healthsync_${name}`,
    migrationsPath: path.join(root, 'migrations'),
    entitiesModule: path.join(root, 'src', 'entities.ts'),
  };
}

export const SUBGRAPH_DATABASES: Record<SubgraphName, SubgraphDatabase> = {
  users: subgraph('users'),
  patients: subgraph('patients'),
};

export const EXTENSIONS = ['pg_trgm', 'unaccent', 'citext', 'fuzzystrmatch'] as const;
