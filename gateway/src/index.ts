import { createLogger, runMain, stopOnSignals } from '@healthsync/orm';
import { loadGatewayConfig, startGatewayServer } from './server.js';

runMain(async () => {
  const config = loadGatewayConfig();
  const server = await startGatewayServer(config);
  stopOnSignals(server, createLogger('gateway', config.LOG_LEVEL));
  await new Promise(() => {}); // serve until a signal stops us
});
