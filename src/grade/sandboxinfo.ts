/**
 * What the grader says about a sandboxed run (src/grade/sandbox.ts): why a kernel died (a limit, in words), which
 * cells failed because the sandbox blocked something, and the processes a sandbox still has.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GradeCell } from './reporttypes';

/** Host processes whose argument list matches, lowest pid first (Linux /proc; empty elsewhere). */
export function findProcs(match: (argv: string[]) => boolean): number[] {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const p of pids) {
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv.length && match(argv)) out.push(Number(p));
  }
  return out.sort((a, b) => a - b);
}

const SIGNALS = Object.fromEntries(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/**
 * bwrap exits with the kernel's exit code, or 128 + n when a signal n killed it; this names the signal and the
 * limit behind it.
 */
export function describeKernelExit(
  code: number | null,
  signal: string | null,
  c: { cpuS: number; fileMb: number; memoryMb: number },
): string {
  const sig = signal ?? (code !== null && code > 128 && SIGNALS[code - 128] ? SIGNALS[code - 128] : null);
  if (!sig) return `code ${code}`;
  const why: Record<string, string> = {
    SIGXCPU: `the CPU time limit of ${c.cpuS} s per process was used up`,
    SIGXFSZ: `a file grew past the size limit of ${c.fileMb} MB`,
    SIGKILL: `killed${
      c.cpuS
        ? ' (the CPU time hard limit, or the system ran out of memory)'
        : ' (the system may have run out of memory)'
    }`,
    SIGABRT:
      'aborted (V8 gives up like this when memory runs out: the heap limit, or the sandbox memory limit of ' +
      `${c.memoryMb} MB)`,
    SIGSEGV: 'segmentation fault',
  };
  return `${sig}${signal ? '' : `, exit code ${code}`}${why[sig] ? `: ${why[sig]}` : ''}`;
}

/** What the sandbox stopped, by the error a cell failed with: `[kind, pattern]`, first match wins. */
const BLOCKS: [string, RegExp][] = [
  ['network', /\b(ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN|ENOTFOUND|EADDRNOTAVAIL)\b/],
  ['read-only file system', /\bEROFS\b/],
  ['process limit', /\bEAGAIN\b|Resource temporarily unavailable|Cannot fork|pthread_create/i],
  [
    'memory limit',
    new RegExp(
      'Array buffer allocation failed|Cannot allocate memory|ENOMEM|could not allocate memory|' +
        'Out of memory|heap out of memory',
      'i',
    ),
  ],
  ['CPU time limit', /SIGXCPU/],
  ['file size limit', /SIGXFSZ/],
  ['permission denied', /\b(EACCES|EPERM)\b/],
];

/** A path in an error message ('…' quoted, as Node writes them), made absolute against the notebook's folder. */
const quotedPaths = (msg: string, cwd: string) =>
  [...msg.matchAll(/'([^']+)'/g)]
    .map((m) => m[1])
    .filter((p) => p.includes('/'))
    .map((p) => path.resolve(cwd, p));

/**
 * One note per cell whose error shows the sandbox at work: network refused, a read-only folder, a limit, or a file
 * outside what the sandbox shows (`ENOENT` for a path outside the working folder and the kit).
 */
export function blockedNotes(
  cells: GradeCell[],
  o: { cwd: string; visible: string[]; maxProcs: number; memoryMb: number },
): string[] {
  const notes: string[] = [];
  for (const cell of cells) {
    const err = cell.error;
    if (!err || cell.status === 'ok' || cell.status === 'skipped') continue;
    let kind = BLOCKS.find(([, re]) => re.test(err))?.[0];
    const hidden = quotedPaths(err, o.cwd).find((p) => !o.visible.some((v) => p === v || p.startsWith(v + path.sep)));
    if (!kind && /\bENOENT\b/.test(err) && hidden) kind = 'not visible in the sandbox';
    if (!kind) continue;
    const limit =
      kind === 'process limit'
        ? ` (${o.maxProcs} processes and threads)`
        : kind === 'memory limit'
          ? ` (${o.memoryMb} MB)`
          : '';
    notes.push(
      `cell ${cell.index}: blocked by the sandbox: ${kind}${limit}: ` +
        `${err.length > 200 ? err.slice(0, 199) + '…' : err}`,
    );
  }
  return notes;
}
