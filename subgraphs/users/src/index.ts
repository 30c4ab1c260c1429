import { createLogger, runMain } from '@healthsync/orm';
import { stopOnSignals } from '@healthsync/orm/http';
import { loadUsersConfig } from './environment.js';
import { startUsersServer } from './server.js';

runMain(async () => {
  const config = loadUsersConfig();
  const server = await startUsersServer(config);
  stopOnSignals(server, createLogger('users', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
