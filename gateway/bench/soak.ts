/**
 * The soak (`BENCH_ONLY=soak npm run bench`): many connections of mixed traffic through the edge
 * for a while, once as it is and once with the patients subgraph killed halfway (the launcher
 * restarts it). Each request is timed on its own, so errors and latencies can be told apart by
 * when they happened: inside the restart window, or outside it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HEALTH_PATHS } from '@healthsync/orm/http';
import { Agent } from 'undici';

export interface SoakOptions {
  edgeUrl: string;
  /** One bench user per connection, in turn: their tokens and credentials. */
  users: { email: string; password: string; token: string }[];
  /** Patients that exist, for reads. */
  patientIds: string[];
  /** Family names that exist, for searches. */
  searchTerms: string[];
  connections: number;
  durationSeconds: number;
  /** When set, called halfway: it kills a process and resolves once it answers again. */
  fault?: () => Promise<void>;
}

type Kind = 'read' | 'search' | 'write' | 'sign-in';

interface Sample {
  kind: Kind;
  startedMs: number;
  latencyMs: number;
  ok: boolean;
}

export interface SoakResult {
  requests: number;
  byKind: Record<Kind, number>;
  /** Restart window (ms from the start), when there was a fault. */
  window?: { fromMs: number; toMs: number };
  errorsInWindow: number;
  errorsOutsideWindow: number;
  /** p99 (ms) of the requests that started outside the window. */
  p99OutsideWindow: number;
  p50OutsideWindow: number;
  acknowledgedWrites: number;
  /** Acknowledged writes that could not be read back afterwards (must be 0). */
  lostWrites: number;
}

const READ = 'query SoakRead($id: ID!) { patient(id: $id) { id fullName createdBy { name } } }';
const SEARCH =
  'query SoakSearch($search: String!) { patients(filter: { search: $search }, first: 10) { edges { node { id } } } }';
const WRITE = 'mutation SoakWrite($input: CreatePatientInput!) { createPatient(input: $input) { id } }';
const SIGN_IN = 'mutation SoakSignIn($input: LoginInput!) { login(input: $input) { accessToken } }';

/** The mix: mostly reads, then searches and writes, a few sign-ins (each costs an argon2id hash). */
function pick(random: number): Kind {
  if (random < 0.5) return 'read';
  if (random < 0.72) return 'search';
  if (random < 0.95) return 'write';
  return 'sign-in';
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const agent = new Agent({ connections: options.connections, keepAliveTimeout: 30_000 });
  const post = async (body: unknown, token?: string) => {
    const response = await fetch(options.edgeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
      // @ts-expect-error undici's option on Node's fetch
      dispatcher: agent,
    });
    const parsed = (await response.json()) as { data?: Record<string, { id?: string } | null>; errors?: unknown[] };
    return { ok: response.ok && !parsed.errors, data: parsed.data };
  };

  const samples: Sample[] = [];
  const acknowledged: string[] = [];
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  let sequence = 0;
  const worker = async (index: number) => {
    const user = options.users[index % options.users.length] as SoakOptions['users'][number];
    while (performance.now() < deadline) {
      const kind = pick(Math.random());
      const n = sequence++;
      const body =
        kind === 'read'
          ? { query: READ, variables: { id: options.patientIds[n % options.patientIds.length] } }
          : kind === 'search'
            ? { query: SEARCH, variables: { search: options.searchTerms[n % options.searchTerms.length] } }
            : kind === 'write'
              ? { query: WRITE, variables: { input: { givenName: 'Soak', familyName: `Written-${n}` } } }
              : { query: SIGN_IN, variables: { input: { email: user.email, password: user.password } } };
      const at = performance.now();
      const answer = await post(body, kind === 'sign-in' ? undefined : user.token).catch(() => ({
        ok: false,
        data: undefined,
      }));
      samples.push({ kind, startedMs: at - started, latencyMs: performance.now() - at, ok: answer.ok });
      const id = answer.data?.createPatient?.id;
      if (kind === 'write' && answer.ok && id) acknowledged.push(id);
    }
  };

  let window: SoakResult['window'];
  const fault = options.fault
    ? (async () => {
        await sleep((options.durationSeconds * 1000) / 2);
        const fromMs = performance.now() - started;
        await options.fault?.();
        window = { fromMs, toMs: performance.now() - started };
      })()
    : Promise.resolve();
  await Promise.all([...Array.from({ length: options.connections }, (_, index) => worker(index)), fault]);

  // Every acknowledged write, read back (by one user: any clinician may read any patient).
  const reader = options.users[0]?.token;
  let lostWrites = 0;
  for (let offset = 0; offset < acknowledged.length; offset += 50)
    await Promise.all(
      acknowledged.slice(offset, offset + 50).map(async (id) => {
        const answer = await post({ query: READ, variables: { id } }, reader);
        if (answer.data?.patient?.id !== id) lostWrites++;
      }),
    );
  await agent.close();

  const inWindow = (sample: Sample) =>
    window !== undefined && sample.startedMs + sample.latencyMs >= window.fromMs && sample.startedMs <= window.toMs;
  const outside = samples.filter((sample) => !inWindow(sample));
  const latencies = outside.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const byKind = { read: 0, search: 0, write: 0, 'sign-in': 0 };
  for (const sample of samples) byKind[sample.kind]++;
  return {
    requests: samples.length,
    byKind,
    ...(window ? { window } : {}),
    errorsInWindow: samples.filter((sample) => inWindow(sample) && !sample.ok).length,
    errorsOutsideWindow: outside.filter((sample) => !sample.ok).length,
    p50OutsideWindow: percentile(latencies, 50),
    p99OutsideWindow: percentile(latencies, 99),
    acknowledgedWrites: acknowledged.length,
    lostWrites,
  };
}

/** Kills `pid` (SIGKILL: a crash, not a stop) and resolves once the service at `graphqlUrl` is ready again. */
export async function killAndAwaitRestart(pid: number, graphqlUrl: string): Promise<void> {
  process.kill(pid, 'SIGKILL');
  const ready = new URL(HEALTH_PATHS.ready, graphqlUrl);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (alive()) await sleep(10);
  for (;;) {
    const up = await fetch(ready, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return;
    await sleep(100);
  }
}
