import { createLogger, runMain } from '@healthsync/orm';
import { stopOnSignals } from '@healthsync/orm/http';
import { loadGatewayConfig, startGatewayServer } from './server.js';

runMain(async () => {
  const config = loadGatewayConfig();
  const server = await startGatewayServer(config);
  stopOnSignals(server, createLogger('gateway', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
