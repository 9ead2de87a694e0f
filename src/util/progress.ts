/**
 * tqdm's role in the original notebooks: one line that updates in place with count, rate, ETA and the
 * latest loss. It writes `\r`-terminated updates, which both a terminal and a Jupyter cell (tslab's stdout
 * stream) render as one line rewritten in place. Throttled, so the loop is not slowed by printing.
 *
 * The trainer's callback that draws it per epoch is `progressCallback` (src/train/callbacks.ts).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */

export interface ProgressConfig {
  desc: string;
  width: number;
  minIntervalMs: number;
  write: (s: string) => void;
  showLoss: boolean;
}
export const progressDefaults = (o: Partial<ProgressConfig> = {}): ProgressConfig => ({
  desc: '',
  width: 24,
  minIntervalMs: 200,
  write: (s) => process.stdout.write(s),
  showLoss: true,
  ...o,
});

const clock = (s: number) => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60),
    r = Math.floor(s % 60);
  return `${m}:${String(r).padStart(2, '0')}`;
};

/** A progress line: `update(done, total, extra?)`, then `close()` to end the line. */
export class Progress {
  private t0 = performance.now();
  private last = -Infinity;
  private cfg: ProgressConfig;
  constructor(cfg: Partial<ProgressConfig> = {}) {
    this.cfg = progressDefaults(cfg);
  }

  /** The line for `done` of `total` after `elapsedS` seconds (exposed for tests). */
  line(done: number, total: number, elapsedS: number, extra = ''): string {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const fill = Math.round(frac * this.cfg.width);
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const rateText =
      elapsedS < 0.05 || rate === 0 ? '?it/s' : rate >= 1 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
    return (
      `${this.cfg.desc ? this.cfg.desc + ': ' : ''}${String(Math.round(frac * 100)).padStart(3)}%|` +
      `${'█'.repeat(fill)}${' '.repeat(this.cfg.width - fill)}| ` +
      `${done}/${total} [${clock(elapsedS)}<${clock(eta)}, ${rateText}${extra ? ', ' + extra : ''}]`
    );
  }

  /** Redraws at most every `minIntervalMs` (and always at the end); `extra` is only computed when drawing. */
  update(done: number, total: number, extra: string | (() => string) = ''): void {
    const now = performance.now();
    if (done < total && now - this.last < this.cfg.minIntervalMs) return;
    this.last = now;
    this.cfg.write(
      '\r' + this.line(done, total, (now - this.t0) / 1000, typeof extra === 'function' ? extra() : extra),
    );
  }

  close(): void {
    this.cfg.write('\n');
  }
}
