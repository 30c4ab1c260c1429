import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * The folder of the workspace package `packageName`: among the root package.json's `workspaces`
 * (folders, or `folder/*`), the one whose package.json has that name. A workspace an image does
 * not carry (each subgraph's image holds its own) is passed over.
 */
export function workspaceFolder(packageName: string, root = REPO_ROOT): string {
  const nameOf = (folder: string) => {
    try {
      return (JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: string }).name;
    } catch {
      return undefined;
    }
  };
  const { workspaces = [] } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces?: string[];
  };
  const folders = workspaces.flatMap((entry) => {
    if (!entry.endsWith('/*')) return [path.join(root, entry)];
    const parent = path.join(root, entry.slice(0, -2));
    return existsSync(parent) ? readdirSync(parent).map((child) => path.join(parent, child)) : [];
  });
  const found = folders.find((folder) => nameOf(folder) === packageName);
  if (!found) throw new Error(`no workspace of ${path.join(root, 'package.json')} is the package ${packageName}`);
  return found;
}

/** A subgraph's slice of the database; its folder is its workspace (`@healthsync/<name>`), found when first needed. */
function subgraph(name: SubgraphName): SubgraphDatabase {
  let folder: string | undefined;
  const root = () => (folder ??= workspaceFolder(`@healthsync/${name}`));
  return {
    name,
    schema: name,
    role: `healthsync_${name}`,
    get migrationsPath() {
      return path.join(root(), 'migrations');
    },
    get entitiesModule() {
      return path.join(root(), 'src', 'entities.ts');
    },
  };
}

export const SUBGRAPH_DATABASES: Record<SubgraphName, SubgraphDatabase> = {
  users: subgraph('users'),
  patients: subgraph('patients'),
};

export const EXTENSIONS = ['pg_trgm', 'unaccent', 'citext', 'fuzzystrmatch'] as const;
