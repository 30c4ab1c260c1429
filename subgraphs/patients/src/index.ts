import { createLogger, runMain, stopOnSignals } from '@healthsync/orm';
import { loadPatientsConfig } from './environment.js';
import { startPatientsServer } from './server.js';

runMain(async () => {
  const config = loadPatientsConfig();
  const server = await startPatientsServer(config);
  stopOnSignals(server, createLogger('patients', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
