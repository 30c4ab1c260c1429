import { createLogger, runMain } from '@healthsync/orm';
import { stopOnSignals } from '@healthsync/orm/http';
import { loadPatientsConfig } from './environment.js';
import { startPatientsServer } from './server.js';

runMain(async () => {
  const config = loadPatientsConfig();
  const server = await startPatientsServer(config);
  stopOnSignals(server, createLogger('patients', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
