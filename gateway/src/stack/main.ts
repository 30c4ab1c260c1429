/**
 * `npm start`: the whole stack on this machine (gateway/README.md, "Running the stack"). Ctrl-C or SIGTERM
 * stops every process it started, the embedded PostgreSQL included.
 */
import { EXPLORER_PATH } from '@healthsync/orm/http';
import { runMain } from '@healthsync/orm';
import { loadStackConfig, replicasOf } from '../environment.js';
import { StackStartError } from './processes.js';
import { startStack } from './stack.js';

const log = (line: string) => console.log(`[stack] ${line}`);

runMain(async () => {
  const config = loadStackConfig();
  // A stop asked for while starting is carried out as soon as the start has settled.
  let stopReason: string | undefined;
  let requestStop = (reason: string) => {
    stopReason ??= reason;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => requestStop(`${signal} received`));
  // npm answers SIGTERM by killing its shell, which leaves us orphaned: stop when the parent goes.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && requestStop('parent process exited'), 1_000).unref();

  log(config.DATABASE_URL ? 'using DATABASE_URL' : `using the embedded PostgreSQL under ${config.DATA_DIR}`);
  if (config.NODE_ENV === 'production' && !config.TLS_CERT_FILE)
    log(
      'production without TLS is not supported: set TLS_CERT_FILE and TLS_KEY_FILE, or terminate TLS at a load balancer named in EDGE_TRUSTED_PROXIES',
    );
  const started = startStack({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    ports: {
      edge: config.EDGE_PORT,
      gateway: config.GATEWAY_PORT,
      users: config.USERS_PORT,
      patients: config.PATIENTS_PORT,
    },
    replicas: replicasOf(config),
    edgeHost: config.EDGE_HOST,
    tls:
      config.TLS_CERT_FILE && config.TLS_KEY_FILE
        ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE, port: config.EDGE_TLS_PORT }
        : undefined,
    trustedProxies: config.EDGE_TRUSTED_PROXIES,
    nginxBin: config.NGINX_BIN,
    requireNginx: config.REQUIRE_NGINX,
    edgeRate: { limit: config.EDGE_RATE_LIMIT, burst: config.EDGE_RATE_BURST },
    nodeEnv: config.NODE_ENV,
    logLevel: config.LOG_LEVEL,
    output: 'inherit',
    log,
  });
  const stack = await started.catch((error: unknown) => {
    // Ctrl-C while starting also stops the embedded PostgreSQL (same process group), so the start
    // fails: that is the stop that was asked for, not an error to explain.
    if (stopReason) return undefined;
    if (error instanceof StackStartError) {
      console.error(error.message);
      process.exitCode = 1;
      return undefined;
    }
    throw error;
  });
  if (!stack) {
    if (stopReason) log(`${stopReason} while starting: stopped`);
    return;
  }
  const { urls } = stack;
  const listening = [
    config.EDGE_HOST === '127.0.0.1'
      ? '127.0.0.1 only: this machine (EDGE_HOST=0.0.0.0 serves the network)'
      : config.EDGE_HOST,
    ...(urls.plainEdge ? [`plain HTTP ${new URL(urls.plainEdge).port} redirects to HTTPS`] : []),
  ].join('; ');
  console.log(
    [
      '',
      `HealthSync is up: ${urls.edge.replace('127.0.0.1', 'localhost')}  (${stack.nginx ? 'nginx' : 'the gateway itself: no nginx'})`,
      `  listening on        ${listening}`,
      `  gateway             ${urls.gateway}`,
      `  users subgraph      ${urls.subgraphs.users}  (Sandbox)`,
      `  patients subgraph   ${urls.subgraphs.patients}  (Sandbox)`,
      ...(Object.values(urls.replicas).some((list) => list.length > 1)
        ? [
            `  replicas            ${Object.entries(urls.replicas)
              .map(([name, list]) => `${name} ×${list.length}`)
              .join(', ')}`,
          ]
        : []),
      ...(config.NODE_ENV === 'production'
        ? []
        : [`  offline explorer    ${urls.gateway.replace('/graphql', EXPLORER_PATH)}  (and on each subgraph)`]),
      `  public keys         ${(stack.nginx ? urls.edge : urls.subgraphs.users).replace('/graphql', '/.well-known/jwks.json').replace('127.0.0.1', 'localhost')}`,
      `Logs: ${config.LOG_LEVEL}. Ctrl-C stops everything.`,
      '',
    ].join('\n'),
  );

  const reason = await new Promise<string>((resolve) => {
    requestStop = resolve;
    if (stopReason) resolve(stopReason);
    stack.crashed.then((why) => {
      process.exitCode = 1;
      resolve(why);
    });
  });
  log(`${reason}: stopping`);
  await stack.stop();
  log('stopped');
});
