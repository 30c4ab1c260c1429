import { env, parseEnvironment } from '@healthsync/orm';
import { z } from 'zod';

/** Settings of `npm run bench`; nothing else in gateway/bench reads process.env. */
export const BenchEnvironment = z.object({
  /** Admin URL of an existing PostgreSQL: the bench makes and drops its own database there. Unset: a throwaway embedded cluster. */
  DATABASE_URL: env.url().optional(),
  BENCH_PATIENTS: z.coerce.number().int().min(100).max(5_000_000).default(100_000),
  /** Users that created the patients (createdBy), signed up through the API; also the login pool. */
  BENCH_USERS: z.coerce.number().int().min(1).max(500).default(50),
  /** Seconds of each measurement (each is preceded by a short warm-up). */
  BENCH_DURATION: z.coerce.number().int().min(1).max(600).default(10),
  BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(10),
  /** The "no errors under load" run: connections and seconds. */
  BENCH_STRESS_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(50),
  BENCH_STRESS_DURATION: z.coerce.number().int().min(1).max(600).default(30),
  /** The soak (only with BENCH_ONLY=soak): connections and seconds of each of its two runs. */
  BENCH_SOAK_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(50),
  BENCH_SOAK_DURATION: z.coerce.number().int().min(4).max(3600).default(60),
  /** Sign-ups per second offered by the fixed-rate sign-up flood (BENCH_ONLY=signup; the other flood sends as fast as answered). */
  BENCH_FLOOD_RATE: z.coerce.number().int().min(1).max(100_000).default(400),
  /** The services' log level during the run (info logs one line per request). */
  BENCH_LOG_LEVEL: env.logLevel().default('warn'),
  /** When set, every service writes a V8 CPU profile (node --cpu-prof) into this folder on exit. */
  BENCH_CPU_PROF_DIR: z.string().optional(),
  /** Only these measurements (comma-separated ids such as a,b,c,a100,d,search,stress,burst,signup,quality,soak,replicas); all but soak and replicas when unset. */
  BENCH_ONLY: z.string().optional(),
  NGINX_BIN: z.string().default('nginx'),
  /** The peer gateway's rows in (a) and (b) (Hive Gateway, installed on first use: peer.ts); `off` leaves them out. */
  BENCH_PEER: z.enum(['on', 'off']).default('on'),
});
export type BenchConfig = z.infer<typeof BenchEnvironment>;

export function loadBenchConfig(source: Record<string, string | undefined> = process.env): BenchConfig {
  return parseEnvironment(BenchEnvironment, source);
}
