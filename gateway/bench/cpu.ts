/**
 * CPU time per process during a measurement (Linux /proc): how much each part of the stack spends
 * on one request, which tells why one path is slower than another better than req/s alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcessTimes {
  parent: number;
  /** User + system CPU seconds. */
  seconds: number;
}

function readProcesses(): Map<number, ProcessTimes> {
  const processes = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), from field 3 (state) on.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(entry), {
        parent: Number(fields[1]),
        seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return processes;
}

/** CPU seconds used so far by each root process and all its descendants (nginx workers, PostgreSQL backends). */
export function cpuSeconds(roots: Record<string, number>): Record<string, number> {
  const nameOf = new Map(Object.entries(roots).map(([name, pid]) => [pid, name]));
  const processes = readProcesses();
  const totals: Record<string, number> = Object.fromEntries(Object.keys(roots).map((name) => [name, 0]));
  for (const [pid, { seconds }] of processes) {
    // The nearest root among the process and its ancestors owns its time.
    for (let current: number | undefined = pid; current && current > 1; current = processes.get(current)?.parent) {
      const name = nameOf.get(current);
      if (name === undefined) continue;
      totals[name] = (totals[name] ?? 0) + seconds;
      break;
    }
  }
  return totals;
}

/** The postmaster of an embedded cluster (first line of postmaster.pid), when it runs from `dataDir`. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = `${dataDir}/postmaster.pid`;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Milliseconds of CPU per request of each process between two `cpuSeconds` readings. */
export function cpuPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, seconds]) => [name, ((seconds - (before[name] ?? 0)) * 1000) / requests]),
  );
}
