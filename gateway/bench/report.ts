import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { LoadResult } from './load.js';

export interface Row {
  operation: string;
  path: string;
  connections: number;
  result: LoadResult;
  /** What the ratio columns compare with: the direct subgraph's run, or the same traffic alone. */
  baseline?: LoadResult;
  /** CPU milliseconds per request, by process (cpu.ts). */
  cpu?: Record<string, number>;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const ratio = (value: number, base: number | undefined) =>
  base && Number.isFinite(value) && base > 0 ? `${(value / base).toFixed(2)}×` : '–';

/** "errors / non-2xx / GraphQL errors", each 0 on a clean run. */
const failures = ({ errors, non2xx, graphqlErrors }: LoadResult) => `${errors} / ${non2xx} / ${graphqlErrors}`;

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| operation | path | conns | req/s | p50 ms | p95 ms | p99 ms | errors / non-2xx / GraphQL errors | req/s vs base | p50 vs base | p99 vs base |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { operation, path, connections, result, baseline } of rows) {
    lines.push(
      `| ${operation} | ${path} | ${connections} | ${result.requestsPerSecond.toFixed(0)} | ${ms(result.p50)} | ${ms(result.p95)} | ${ms(result.p99)} | ${failures(result)} | ${ratio(result.requestsPerSecond, baseline?.requestsPerSecond)} | ${ratio(result.p50, baseline?.p50)} | ${ratio(result.p99, baseline?.p99)} |`,
    );
  }
  return lines.join('\n');
}

/** Where each path's CPU went, per request: one column per process, then their sum. */
export function cpuTable(rows: Row[]): string {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.cpu ?? {})))];
  const lines = [
    `| operation | path | ${names.join(' | ')} | total |`,
    `|---|---|${names.map(() => '--:|').join('')}--:|`,
  ];
  for (const { operation, path, cpu } of rows) {
    if (!cpu) continue;
    const values = names.map((name) => cpu[name] ?? 0);
    const total = values.reduce((sum, value) => sum + value, 0);
    lines.push(
      `| ${operation} | ${path} | ${values.map((value) => value.toFixed(2)).join(' | ')} | ${total.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

function versionOf(command: string, args: string[]): string {
  const { stdout, stderr } = spawnSync(command, args, { encoding: 'utf8' });
  // nginx prints its version on stderr.
  return `${stdout ?? ''}${stderr ?? ''}`.trim() || 'not found';
}

/** The 1-minute load average: on a shared machine, how much else was running. */
export const loadAverage = () => os.loadavg()[0]?.toFixed(1) ?? '?';

/** One line describing where the numbers came from. */
export function describeMachine(extra: { postgres: string; nginx: string | undefined }): string {
  const cpus = os.cpus();
  return [
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `${os.type()} ${os.release()}`,
    `Node.js ${process.version}`,
    extra.postgres,
    extra.nginx
      ? versionOf(extra.nginx, ['-v']).replace(/^nginx version: /, '')
      : 'no nginx (gateway on the edge port)',
  ].join(', ');
}
