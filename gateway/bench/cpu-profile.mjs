// Preloaded into every service of a profiled bench run (NODE_OPTIONS=--import …): Node 20 refuses
// --cpu-prof in NODE_OPTIONS, so the V8 profiler is driven through the inspector instead. The
// profile is written when the process exits (the services exit after draining on SIGTERM).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.enable');
  session.post('Profiler.start');
  const name = path.basename(process.argv[1] ?? 'node').replace(/\W+/g, '-');
  const service =
    process.argv
      .slice(1)
      .join(' ')
      .match(/(gateway|users|patients)\/src/)?.[1] ?? name;
  // On the main thread the inspector answers synchronously, so this completes inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(path.join(dir, `${service}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
