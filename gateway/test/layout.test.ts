/**
 * The repository's layout (DESIGN.md §1, §7): each workspace reaches another only through that
 * workspace's package name and exports, never by a relative path out of its own folder.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';

const WORKSPACES = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

const SOURCES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.mjs'], {
  cwd: REPO_ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);

/** Relative module specifiers of a file's static and dynamic imports and re-exports. */
const relativeImports = (source: string) =>
  [...source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map(
    ([, specifier]) => specifier as string,
  );

test('no import climbs out of its workspace', () => {
  const climbing = SOURCES.flatMap((file) => {
    const workspace = WORKSPACES.find((folder) => file.startsWith(`${folder}/`));
    if (!workspace) return [];
    return relativeImports(readFileSync(path.join(REPO_ROOT, file), 'utf8'))
      .filter((specifier) => !path.join(path.dirname(file), specifier).startsWith(`${workspace}/`))
      .map((specifier) => `${file}: ${specifier}`);
  });
  expect(SOURCES.length).toBeGreaterThan(100);
  expect(climbing).toEqual([]);
});
