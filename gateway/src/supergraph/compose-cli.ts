/**
 * `npm run compose`: composes rover.yaml into gateway/supergraph.graphql.
 * `npm run compose -- --check`: exits 1 when the committed file differs from a fresh composition.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';
import { runMain } from '@healthsync/orm';
import { SUPERGRAPH_FILE } from '../environment.js';
import { composeSupergraph } from './compose.js';

runMain(async () => {
  const check = process.argv.includes('--check');
  const { supergraphSdl, notes } = composeSupergraph();
  for (const note of notes) console.log(`hint: ${note}`);
  const relative = path.relative(REPO_ROOT, SUPERGRAPH_FILE);
  const current = existsSync(SUPERGRAPH_FILE) ? readFileSync(SUPERGRAPH_FILE, 'utf8') : undefined;
  if (current === supergraphSdl) {
    console.log(`${relative} is up to date`);
  } else if (check) {
    console.error(`${relative} is stale: run npm run compose and commit it`);
    process.exitCode = 1;
  } else {
    writeFileSync(SUPERGRAPH_FILE, supergraphSdl);
    console.log(`wrote ${relative}`);
  }
});
