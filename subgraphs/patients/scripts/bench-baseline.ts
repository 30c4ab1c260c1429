/**
 * The patients subgraph as lists were audited before each returned patient got its own SEARCH
 * row (one row per request, without patient ids): `npm run bench` runs it beside the real one to
 * show what the per-patient rows cost. A benchmark baseline, never a deployment.
 */
import { createLogger, runMain } from '@healthsync/orm';
import { stopOnSignals } from '@healthsync/orm/http';
import { loadPatientsConfig } from '../src/environment.js';
import { startPatientsServer } from '../src/server.js';

runMain(async () => {
  const config = loadPatientsConfig();
  const server = await startPatientsServer(config, { searchAudit: 'one per request' });
  stopOnSignals(server, createLogger('patients', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
