/**
 * `npm run bench:nl-edge -- [--people N] [--semantic on|off]`: patientSearch latency through nginx
 * and the gateway. Starts the stack (NODE_ENV=production, nginx when installed,
 * NL_SEARCH_SEMANTIC as given, on by default) on a throwaway embedded PostgreSQL, loads N people
 * (10,000 by default) of the natural-language evaluation set with their conditions, medications
 * and allergies, signs a clinician up, then asks each of its queries three times, one at a time,
 * for a first page of 20 with its totalCount, and reports p50 and p95 of the round trip and the
 * slowest queries (their median). Quality (F1) is `npm run bench:nl`'s: the labels count ages on
 * the set's day, the server on today. BENCH_CPU_PROF_DIR=dir writes a V8 CPU profile per service
 * (summarise with `node --import tsx gateway/bench/profile.ts dir`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initSubgraphOrm, SUBGRAPH_DATABASES, subgraphDatabaseUrl } from '@healthsync/orm/database';
import { runMain } from '@healthsync/orm';
import { entities } from '@healthsync/patients/entities';
import { analyzeNlTables, insertNlEvaluationPeople } from '@healthsync/patients/scripts/nl-search-evaluation/evaluate';
import { generateEvaluationSet } from '@healthsync/patients/scripts/nl-search-evaluation/generate';
import { startThrowawayStack, type ThrowawayStack } from '../src/stack/throwaway.js';
import { benchLauncher } from './stack.js';
import { loadBenchConfig } from './environment.js';
import { describeMachine, loadAverage } from './report.js';

const log = (line: string) => console.error(`[bench:nl-edge] ${line}`);

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the two operations' shapes
  return (await response.json()) as { data?: any; errors?: { message: string }[] };
}

const SEARCH = `query NaturalSearch($query: String!) {
  patientSearch(query: $query, first: 20) {
    interpretation { gender ageFrom ageTo city state conditions { code } medications { code } allergies { code } unparsed }
    patients { totalCount edges { node { id fullName birthDate } } }
  }
}`;

runMain(async () => {
  const { values } = parseArgs({
    options: { people: { type: 'string', default: '10000' }, semantic: { type: 'string', default: 'on' } },
  });
  const count = Number(values.people);
  if (!Number.isInteger(count) || count < 500 || count > 50_000) throw new Error('--people must be 500 to 50000');
  const semantic = values.semantic;
  if (semantic !== 'on' && semantic !== 'off') throw new Error('--semantic must be on or off');
  const profileDir = loadBenchConfig().BENCH_CPU_PROF_DIR;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const loadBefore = loadAverage();
  let throwaway: ThrowawayStack | undefined;
  try {
    throwaway = await startThrowawayStack({
      prefix: 'healthsync-nl-edge-',
      launcher: benchLauncher({
        nginxBin: 'nginx',
        logLevel: 'warn',
        cpuProfileDir: profileDir,
        env: {
          SUBGRAPH_SECRET: randomBytes(32).toString('base64url'),
          SIGNUP_MODE: 'open',
          NL_SEARCH_SEMANTIC: semantic,
        },
      }),
    });
    const { stack, rolePasswords, adminUrl } = throwaway;
    log(`stack up, edge ${stack.urls.edge}${stack.nginx ? ' (nginx)' : ' (no nginx: the gateway)'}`);

    log(`generating ${count} people…`);
    const set = generateEvaluationSet(count);
    const orm = await initSubgraphOrm({
      subgraph: SUBGRAPH_DATABASES.patients,
      clientUrl: subgraphDatabaseUrl(adminUrl, 'patients', rolePasswords.patients),
      entities,
      poolSize: 2,
    });
    await insertNlEvaluationPeople(orm.em.fork(), set);
    await orm.close();
    await analyzeNlTables(adminUrl);
    log(`loaded ${count} people`);

    const signUp = await post(stack.urls.edge, {
      query: 'mutation S($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
      variables: { input: { email: 'bench-nl@example.org', password: 'a long and unguessable secret', name: 'Bench' } },
    });
    const auth = { authorization: `Bearer ${signUp.data?.signUp.accessToken}` };
    const ask = async (query: string) => {
      const started = performance.now();
      const answer = await post(stack.urls.edge, { query: SEARCH, variables: { query } }, auth);
      if (answer.errors) throw new Error(`patientSearch failed: ${answer.errors[0]?.message}`);
      return performance.now() - started;
    };
    for (const query of set.queries) await ask(query.query); // warm-up (with the fallback on: its model loads here)
    const byQuery = new Map<string, number[]>();
    for (let round = 0; round < 3; round++)
      for (const query of set.queries) {
        const ms = await ask(query.query);
        byQuery.set(query.query, [...(byQuery.get(query.query) ?? []), ms]);
      }
    const times = [...byQuery.values()].flat().sort((a, b) => a - b);
    const at = (share: number) => times[Math.min(times.length - 1, Math.floor(times.length * share))]!.toFixed(1);
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    const slowest = [...byQuery.entries()]
      .map(([query, list]) => ({ query, ms: median(list) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    console.log(
      `patientSearch through ${stack.nginx ? 'nginx and ' : ''}the gateway, ${count.toLocaleString('en')} people, semantic fallback ${semantic}, ${set.queries.length} queries × 3, first page of 20 with totalCount, one at a time: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms. Machine: ${describeMachine({ postgres: 'embedded PostgreSQL', nginx: stack.nginx ? 'nginx' : undefined })}; load average before ${loadBefore}, after ${loadAverage()}.`,
    );
    console.log(
      `Slowest (median of 3): ${slowest.map(({ query, ms }) => `"${query}" ${ms.toFixed(1)} ms`).join('; ')}.`,
    );
  } finally {
    await throwaway?.stop();
  }
});
