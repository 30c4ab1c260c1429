/**
 * `npm run mutate [-- target…]`: StrykerJS on the security-critical modules (stryker.config.mjs
 * lists the targets: the files mutated and the test files that cover them), one target after
 * another against one test database (withTestDatabase), then the mutation score of each file:
 * (killed + timeout) / (killed + timeout + survived + no coverage). Exits 1 when a run failed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../database/subgraphs.js';
import { StartupError, runMain } from '../process.js';
import { runNode, withTestDatabase } from './test-database-server.js';

interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** One line per mutated file of a Stryker JSON report: its score and counts. */
function scoresOf(report: MutationReport): string[] {
  return Object.entries(report.files).map(([file, { mutants }]) => {
    const count = (statuses: Set<string>) => mutants.filter((mutant) => statuses.has(mutant.status)).length;
    const detected = count(DETECTED);
    const undetected = count(UNDETECTED);
    const score = detected + undetected === 0 ? 'n/a' : `${((100 * detected) / (detected + undetected)).toFixed(1)}%`;
    const [timeouts, survived] = [count(new Set(['Timeout'])), count(new Set(['Survived']))];
    const counts = `${detected} detected (${timeouts} by timeout), ${survived} survived, ${undetected - survived} not covered`;
    return `${score.padStart(6)}  ${path.relative(REPO_ROOT, path.resolve(REPO_ROOT, file))}: ${counts}`;
  });
}

runMain(async () => {
  const config = pathToFileURL(path.join(REPO_ROOT, 'stryker.config.mjs')).href;
  process.env.MUTATE_TARGET ??= 'tokens'; // the config insists on a target when it is loaded
  const { targets } = (await import(config)) as { targets: Record<string, unknown> };
  const known = Object.keys(targets);
  const chosen = process.argv.length > 2 ? process.argv.slice(2) : known;
  const unknown = chosen.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new StartupError(`unknown mutation target ${unknown.join(', ')}: choose from ${known.join(', ')}`);

  const summary: string[] = [];
  await withTestDatabase(async (environment) => {
    for (const target of chosen) {
      const code = await runNode(
        [path.join(REPO_ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.mjs'],
        {
          ...environment,
          MUTATE_TARGET: target,
          NODE_OPTIONS: `${environment.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`,
        },
      );
      if (code !== 0) {
        summary.push(`  fail  ${target}: stryker exited with ${code}`);
        process.exitCode = 1;
        continue;
      }
      const report = JSON.parse(readFileSync(path.join(REPO_ROOT, `reports/mutation/${target}.json`), 'utf8'));
      summary.push(...scoresOf(report));
    }
  });
  console.log(`\nmutation score per file:\n${summary.join('\n')}`);
});
