/** Each subgraph's folder is its workspace, found from the root package.json, not written into the toolkit. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SUBGRAPH_DATABASES, workspaceFolder } from '../src/database/index.js';
import { temporaryFolder } from '../src/testing/index.js';

test("each subgraph's migrations and entities are in the workspace of its package", () => {
  expect(workspaceFolder('@healthsync/users')).toBe(path.join(REPO_ROOT, 'subgraphs/users'));
  expect(SUBGRAPH_DATABASES.patients.migrationsPath).toBe(path.join(REPO_ROOT, 'subgraphs/patients/migrations'));
  expect(SUBGRAPH_DATABASES.users.entitiesModule).toBe(path.join(REPO_ROOT, 'subgraphs/users/src/entities.ts'));
});

test('a workspace is found by its package name, listed as a folder or under `folder/*`; one an image lacks is passed over', () => {
  const root = temporaryFolder('healthsync-workspaces-');
  const write = (folder: string, content: object) => {
    mkdirSync(path.join(root, folder), { recursive: true });
    writeFileSync(path.join(root, folder, 'package.json'), JSON.stringify(content));
  };
  write('.', { workspaces: ['absent', 'core', 'services/*'] });
  write('core', { name: '@x/core' });
  write('services/one', { name: '@x/one' });
  mkdirSync(path.join(root, 'services/empty'));
  expect(workspaceFolder('@x/core', root)).toBe(path.join(root, 'core'));
  expect(workspaceFolder('@x/one', root)).toBe(path.join(root, 'services/one'));
  expect(() => workspaceFolder('@x/two', root)).toThrow(
    `no workspace of ${path.join(root, 'package.json')} is the package @x/two`,
  );
});
