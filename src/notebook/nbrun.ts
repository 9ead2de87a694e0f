/**
 * `hai nb run`: execute notebooks headlessly in a fresh tslab kernel, as Jupyter would, and write executed
 * copies. What it adds over a plain client, for tslab's known quirks:
 * - tslab reports errors only as stderr text with status "error": they become proper `error` outputs
 *   (ename, evalue, traceback) so Jupyter, nbconvert and graders see them.
 * - after an error tslab drops requests arriving within 200 ms; with `allowErrors` the runner waits it out.
 * - a per-cell timeout interrupts the kernel (SIGINT, tslab's interrupt) and records the cell as timed out.
 * - a kernel that dies (crash, `process.exit`) fails the cell that killed it; later cells are not run.
 * - for graders (src/grade/grade.ts): a total time limit, an output cap per cell, a V8 heap cap for the kernel,
 *   and an `after` hook that runs more code in the same kernel before it is shut down.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { CellOutput, KernelClient, KernelLauncher } from './jupyter';
import { asNotebook, Cell, NbOutput, Notebook } from './nbformat';

export interface RunConfig {
  /** Seconds per cell; 0 = no limit. */
  timeoutS: number;
  /** Smoke mode: sets HAI_SMOKE=1 in the kernel, so notebooks take small subsets and short runs. */
  smoke: boolean;
  /** Keep executing after a failed cell (the failure is still reported). */
  allowErrors: boolean;
  env: NodeJS.ProcessEnv;
  /** Seconds for the whole notebook; 0 = no limit. The cell running when it runs out is interrupted and times out. */
  totalTimeoutS: number;
  /** Characters of output kept per cell; 0 = all. The rest is counted and noted (see KernelClient.execute). */
  maxOutputChars: number;
  /** V8 heap limit of the kernel (`--max-old-space-size`, MB); 0 = Node's default. */
  maxOldSpaceMb: number;
  /**
   * Runs in the same kernel after the last cell, before shutdown, when the kernel is still alive; `executed` is the
   * notebook with outputs.
   */
  after?: (kernel: KernelClient, cells: CellReport[], executed: Notebook) => Promise<void>;
  /** Starts the kernel wrapped (the grader's sandbox), with its connection file in `connDir`. */
  launcher?: KernelLauncher;
  connDir?: string;
  /** A cell's own limit in seconds, where it has one (the grader gives exercise cells their exercise's limit). */
  cellLimitS?: (index: number) => number | undefined;
}
export const runDefaults = (o: Partial<RunConfig> = {}): RunConfig => ({
  timeoutS: 600,
  smoke: false,
  allowErrors: false,
  env: process.env,
  totalTimeoutS: 0,
  maxOutputChars: 0,
  maxOldSpaceMb: 0,
  ...o,
});

export interface CellReport {
  index: number;
  status: 'ok' | 'error' | 'timeout' | 'dead' | 'skipped';
  seconds: number;
  error?: string;
  /** Output characters left out by `maxOutputChars`. */
  dropped_chars?: number;
  /** The kernel dropped IOPub messages during this cell: some of its output may be missing. */
  lost_output?: boolean;
}
export interface NotebookReport {
  notebook: string;
  status: 'ok' | 'error';
  cells: CellReport[];
  seconds: number;
  executed: Notebook;
}

export function readNotebook(file: string): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable notebook: ${(e as Error).message}`);
  }
  return asNotebook(nb, file);
}

const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const lines = (s: string) => s.split(/(?<=\n)/);

/** tslab's stderr text for a failed cell → an nbformat error output. */
export function errorOutput(stderrText: string): CellOutput {
  const text = stderrText.trim();
  // Node's "Error: message" line, or tslab's "1:7 - message" compile diagnostics.
  // Node's `AssertionError [ERR_ASSERTION]: …` too
  const m = /^(\w*Error|\w+Exception)(?: \[\w+\])?: (.*)$/m.exec(text);
  return {
    output_type: 'error',
    ename: m ? m[1] : 'CompileError',
    evalue: m ? m[2] : text.split('\n')[0],
    traceback: text.split('\n'),
  };
}

function toNbOutput(o: CellOutput, count: number | null): NbOutput {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: lines(o.text ?? '') };
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback ?? [] };
    case 'execute_result':
      return { output_type: 'execute_result', data: o.data, metadata: {}, execution_count: count };
    default:
      return { output_type: 'display_data', data: o.data, metadata: {} };
  }
}

/** Executes one notebook top to bottom in a fresh kernel started in the notebook's folder. */
export async function runNotebook(file: string, cfg: Partial<RunConfig> = {}): Promise<NotebookReport> {
  const c = runDefaults(cfg);
  const nb = readNotebook(file);
  const t0 = performance.now();
  const cells: CellReport[] = [];
  const env: NodeJS.ProcessEnv = { ...c.env, ...(c.smoke ? { HAI_SMOKE: '1' } : {}) };
  if (c.maxOldSpaceMb > 0)
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --max-old-space-size=${Math.round(c.maxOldSpaceMb)}`.trim();
  const kernel = await KernelClient.start({
    cwd: path.dirname(path.resolve(file)),
    env,
    timeoutMs: 60000,
    launcher: c.launcher,
    connDir: c.connDir,
  });
  const tCells = performance.now(); // the total limit counts the cells, not the kernel's start
  let stop = false;
  try {
    for (const [index, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      if (stop) {
        cells.push({ index, status: 'skipped', seconds: 0 });
        cell.outputs = [];
        cell.execution_count = null;
        continue;
      }
      const t = performance.now();
      // The cell's limit is the per-cell one or what is left of the total, whichever is shorter (0 = none).
      const left = c.totalTimeoutS > 0 ? Math.max(0.001, c.totalTimeoutS - (t - tCells) / 1000) : Infinity;
      const limit = c.cellLimitS?.(index) ?? c.timeoutS;
      const cellS = limit > 0 ? Math.min(limit, left) : left;
      const byTotal = left <= (limit > 0 ? limit : Infinity);
      let report: CellReport;
      try {
        const r = await kernel.execute(src(cell), Number.isFinite(cellS) ? Math.ceil(cellS * 1000) : 0, {
          maxOutputChars: c.maxOutputChars,
        });
        let outputs = r.outputs;
        if (r.status === 'error' && !outputs.some((o) => o.output_type === 'error')) {
          const errText = outputs
            .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
            .map((o) => o.text)
            .join('');
          outputs = [
            ...outputs.filter((o) => !(o.output_type === 'stream' && o.name === 'stderr' && o.text === errText)),
            errorOutput(errText || 'the cell failed without a message'),
          ];
        }
        cell.outputs = outputs.map((o) => toNbOutput(o, r.executionCount));
        cell.execution_count = r.executionCount;
        const err = outputs.find((o) => o.output_type === 'error');
        report = {
          index,
          status: r.status === 'ok' ? 'ok' : 'error',
          seconds: 0,
          ...(err ? { error: `${err.ename}: ${err.evalue}` } : {}),
          ...(r.droppedChars ? { dropped_chars: r.droppedChars } : {}),
          ...(r.missedIdle ? { lost_output: true } : {}),
        };
      } catch (e) {
        const msg = (e as Error).message;
        if (/timed out/.test(msg)) {
          kernel.interrupt();
          report = {
            index,
            status: 'timeout',
            seconds: 0,
            error: byTotal
              ? `the notebook's total time limit of ${c.totalTimeoutS} s ran out in this cell (interrupted)`
              : `no result within ${limit} s (interrupted)`,
          };
        } else {
          // V8's own last words say why, e.g. "JavaScript heap out of memory" (stderr may trail the exit a little).
          await new Promise((r) => setTimeout(r, 200));
          const why = /FATAL ERROR: [^\n]*|Segmentation fault[^\n]*|Aborted[^\n]*/.exec(kernel.stderr)?.[0];
          report = { index, status: 'dead', seconds: 0, error: why ? `${msg}: ${why.trim()}` : msg };
        }
        cell.outputs = [
          toNbOutput(
            {
              output_type: 'error',
              ename: report.status === 'timeout' ? 'Timeout' : 'KernelDied',
              evalue: report.error,
              traceback: [report.error!],
            },
            null,
          ),
        ];
        cell.execution_count = null;
      }
      report.seconds = (performance.now() - t) / 1000;
      cells.push(report);
      if (report.status !== 'ok') {
        if (!c.allowErrors || report.status !== 'error') stop = true;
        else await new Promise((r) => setTimeout(r, 250)); // tslab drops requests for 200 ms after an error
      }
    }
    if (c.after && kernel.alive) await c.after(kernel, cells, nb);
  } finally {
    await kernel.close();
  }
  const failed = cells.some((x) => x.status !== 'ok' && x.status !== 'skipped');
  return {
    notebook: file,
    status: failed ? 'error' : 'ok',
    cells,
    seconds: (performance.now() - t0) / 1000,
    executed: nb,
  };
}

/** Where the executed copy of `file` goes: `<outDir>/<name>.ipynb`; refuses to overwrite the input. */
export function executedPath(file: string, outDir: string): string {
  const out = path.join(outDir, path.basename(file));
  if (path.resolve(out) === path.resolve(file))
    throw new Error(`${file}: the executed copy would overwrite the input; choose another --out or pass --inplace`);
  return out;
}

export function writeNotebook(file: string, nb: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + '\n');
}

/** One line naming the notebook and the cell that failed, for logs and exit messages. */
export function describeFailure(r: NotebookReport): string | null {
  const bad = r.cells.find((c) => c.status !== 'ok' && c.status !== 'skipped');
  return bad ? `${r.notebook}: cell ${bad.index} ${bad.status}: ${bad.error ?? ''}` : null;
}
