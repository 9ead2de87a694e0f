/**
 * One bench measurement in a fresh process, and the row made of its answer. A backend is chosen once per
 * process (two native TensorFlow bindings cannot share one), and an out-of-memory abort inside wasm kills the
 * module for good, so isolation is the only way to report it as a row and carry on.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { spawn } from 'node:child_process';
import type { BackendName } from '../engine/backend';
import type { BenchRow } from './benchconfig';
import { repoPath } from '../util/paths';

export type ChildResult = { code: number | null; stdout: string; stderr: string; timedOut: boolean };

export function runChild(
  backend: BackendName,
  spec: object,
  timeoutS: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const bin = repoPath('bin', 'hai.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'bench', '--worker', JSON.stringify(spec)], {
      env: { ...process.env, HAI_BACKEND: backend, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '',
      timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export /** The row of one child process: its result, or why there is none (timeout, backend unavailable, crash). */
function childRow(
  base: Omit<BenchRow, 'status'>,
  res: Awaited<ReturnType<typeof runChild>>,
  timeoutS: number,
  ok: (parsed: Record<string, unknown>) => Partial<BenchRow>,
): BenchRow {
  const last = res.stdout.trim().split('\n').pop() ?? '';
  let parsed: { status?: string; note?: string } & Record<string, unknown> = {};
  try {
    parsed = JSON.parse(last);
  } catch {
    /* the child died before printing: reported below */
  }
  if (res.timedOut) return { ...base, status: 'timeout', note: `no result within ${timeoutS} s (--timeout)` };
  if (parsed.status === 'unavailable') return { ...base, status: 'unavailable', note: parsed.note };
  if (parsed.status === 'ok') return { ...base, status: 'ok', ...ok(parsed) };
  const lines = res.stderr.split('\n').map((s) => s.trim());
  const why = lines.filter((s) => /error|abort|memory|RangeError/i.test(s)).pop() ?? lines.filter(Boolean).pop() ?? '';
  const progress = lines
    .filter((s) => s.startsWith('bench-progress '))
    .pop()
    ?.slice('bench-progress '.length);
  // Emscripten reports an exhausted heap (4 GiB in tfjs-backend-wasm) as an abort or an out-of-bounds access.
  const heap =
    res.code !== null && /Aborted|memory access out of bounds|Cannot enlarge memory/i.test(why)
      ? ' (wasm heap exhausted?)'
      : '';
  return {
    ...base,
    status: 'error',
    note: `${why.slice(0, 200)}${heap}; ${progress ? `last completed: ${progress}` : 'no step completed'}`,
  };
}
