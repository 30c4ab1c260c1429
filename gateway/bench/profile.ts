/**
 * Summarises the V8 CPU profiles of a bench run (BENCH_CPU_PROF_DIR): for each process, where its
 * busy time went, by package and by function (self time). `node --import tsx gateway/bench/profile.ts <dir>`
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runMain } from '@healthsync/orm';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, Node.js itself, V8's pseudo-frames or our own workspace. */
function ownerOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName || '(native)';
  if (url.startsWith('node:')) return 'node (core)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1] as string;
  const own = /\/(orm|gateway|subgraphs\/\w+)\/src\//.exec(url);
  return own ? `healthsync ${own[1]}` : url;
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`);
}

runMain(async () => {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: profile.ts <folder of .cpuprofile files>');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const byOwner = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let busy = 0;
    profile.samples.forEach((id, index) => {
      const frame = byId.get(id)?.callFrame;
      const micros = profile.timeDeltas[index] ?? 0;
      if (!frame || frame.functionName === '(idle)') return;
      busy += micros;
      const owner = ownerOf(frame);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros);
      const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
      const name = `${frame.functionName || '(anonymous)'} ${where} [${owner}]`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    });
    console.log(`\n${file}: ${(busy / 1e6).toFixed(1)} s busy`);
    console.log(' by package:');
    console.log(top(byOwner, busy, 12).join('\n'));
    console.log(' by function (self):');
    console.log(top(byFunction, busy, 15).join('\n'));
  }
});
