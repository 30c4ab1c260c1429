import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of `total` units; `detail` is shown beside the bar (counts so far). */
  update(done: number, detail: string): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; on anything else (a pipe, CI logs) one plain line per tenth of
 * the way, so logs stay readable. Everything goes to stderr: stdout is for data (export).
 */
export type ProgressMode = 'bar' | 'lines' | 'none';

/** What a CLI shows on stderr: a bar on a terminal, plain lines otherwise. */
export const progressMode = (): ProgressMode => (process.stderr.isTTY ? 'bar' : 'lines');

export function createProgress(label: string, total: number, mode: ProgressMode): Progress {
  if (mode === 'none') return { update: () => {}, stop: () => {} };
  if (mode === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {detail}`,
        stream: process.stderr,
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { detail: '' });
    return {
      update: (done, detail) => bar.update(Math.min(done, total), { detail }),
      stop: () => bar.stop(),
    };
  }
  let shownTenth = -1;
  let last = '';
  return {
    update(done, detail) {
      last = detail;
      const tenth = total > 0 ? Math.floor((10 * Math.min(done, total)) / total) : 0;
      if (tenth === shownTenth) return;
      shownTenth = tenth;
      process.stderr.write(`${label}: ${tenth * 10}% ${detail}\n`);
    },
    stop() {
      if (shownTenth < 10) process.stderr.write(`${label}: done ${last}\n`);
    },
  };
}
