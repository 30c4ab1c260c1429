/** How every bench starts its throwaway stack (`npm run bench`, `bench:import`, `bench:nl-edge`). */
import path from 'node:path';
import type { ThrowawayStackOptions } from '../src/stack/throwaway.js';

/**
 * Free ports, nginx when installed, the services in production mode and quiet. All of a bench's
 * requests come from one address: the per-address limit would answer them 429 (and a client's
 * retry waits would be timed as the stack's), so it is lifted; the limiter itself (a zone lookup
 * on every request) stays in the path. With `cpuProfileDir`, every service writes a V8 CPU
 * profile there on exit (profile.ts summarises them).
 */
export function benchLauncher(options: {
  nginxBin: string;
  logLevel: string;
  log?: (line: string) => void;
  cpuProfileDir?: string | undefined;
  env?: Record<string, string>;
}): ThrowawayStackOptions['launcher'] {
  return {
    ports: { edge: 0, gateway: 0, users: 0, patients: 0 },
    nginxBin: options.nginxBin,
    requireNginx: false,
    edgeRate: { limit: 1_000_000, burst: 100 },
    nodeEnv: 'production',
    logLevel: options.logLevel,
    output: 'quiet',
    log: options.log ?? (() => {}),
    env: {
      ...options.env,
      ...(options.cpuProfileDir
        ? {
            NODE_OPTIONS: `--import ${path.join(import.meta.dirname, 'cpu-profile.mjs')}`,
            BENCH_CPU_PROF_DIR: path.resolve(options.cpuProfileDir),
          }
        : {}),
    },
  };
}
