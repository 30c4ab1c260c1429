/**
 * `npm test`: jest with the given arguments, against the test database (withTestDatabase).
 * Exits with jest's code.
 */
import path from 'node:path';
import { REPO_ROOT } from '../database/subgraphs.js';
import { runMain } from '../process.js';
import { runNode, withTestDatabase } from './test-database-server.js';

runMain(async () => {
  process.exitCode = await withTestDatabase((environment) =>
    runNode(
      [
        '--experimental-vm-modules',
        '--disable-warning=ExperimentalWarning',
        path.join(REPO_ROOT, 'node_modules/jest/bin/jest.js'),
        ...process.argv.slice(2),
      ],
      environment,
    ),
  );
});
