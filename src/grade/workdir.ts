/**
 * A submission's working folder and the watch on everything outside it (steps of src/grade/gradeone.ts): the
 * notebooks to grade, the copy of the kit a kernel runs beside, the kernel's environment, and snapshots of the
 * watched folders before and after, compared to list what a submission wrote where it should not.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutsideWrite } from './reporttypes';

const SKIP_DIRS = new Set(['node_modules', '.git', '.ipynb_checkpoints']);

/**
 * The notebooks to grade: files as given, folders searched recursively for `*.ipynb` (checkpoints and hidden folders
 * skipped).
 */
export function listSubmissions(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ipynb')) out.push(p);
    }
  };
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new Error(`${input}: no such file or folder`);
    if (fs.statSync(input).isDirectory()) walk(input);
    else out.push(input);
  }
  if (!out.length) throw new Error(`no notebooks (*.ipynb) in ${inputs.join(', ') || '(no inputs)'}`);
  return out;
}

export type Snapshot = Map<string, string>;
/** Paths under `dir` (not following links) with type, size and mtime; `skip(rel)` leaves a subtree out. */
export function snapshot(
  dir: string,
  o: { recursive?: boolean; skip?: (rel: string) => boolean; limit?: number } = {},
  into: Snapshot = new Map(),
): Snapshot {
  const limit = o.limit ?? 50000;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (into.size >= limit) return;
      const p = path.join(d, e.name),
        rel = path.relative(dir, p);
      if (o.skip?.(rel)) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      into.set(p, st.isDirectory() ? 'dir' : `${st.isSymbolicLink() ? 'link' : 'file'}:${st.size}:${st.mtimeMs}`);
      if (st.isDirectory() && o.recursive !== false && !SKIP_DIRS.has(e.name)) walk(p);
    }
  };
  walk(dir);
  return into;
}
export function diffSnapshots(before: Snapshot, after: Snapshot): OutsideWrite[] {
  const out: OutsideWrite[] = [];
  for (const [p, v] of after)
    if (!before.has(p)) out.push({ path: p, change: 'created' });
    else if (before.get(p) !== v && v !== 'dir') out.push({ path: p, change: 'modified' });
  for (const p of before.keys()) if (!after.has(p)) out.push({ path: p, change: 'deleted' });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The kernel's environment: the grader's, less what points back at it (npm's variables, its working folder). */
export function kernelEnv(env: NodeJS.ProcessEnv, cwd: string, tmp: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/^(npm_|INIT_CWD$|OLDPWD$|PWD$)/.test(k)) out[k] = v;
  return { ...out, PWD: cwd, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
}

/**
 * A submission's working folder: `<run>/work/notebooks/<file>` beside copies of dist/ and data/, a link to
 * node_modules.
 */
export function prepare(runDir: string, file: string, bytes: Buffer, c: { libDir: string; dataDir: string }): string {
  // (Sandboxed, the kit's dist, data, package.json and node_modules are laid read-only over these copies.)
  const work = path.join(runDir, 'work');
  fs.mkdirSync(path.join(work, 'notebooks'), { recursive: true });
  fs.mkdirSync(path.join(runDir, 'tmp'));
  fs.cpSync(path.join(c.libDir, 'dist'), path.join(work, 'dist'), { recursive: true });
  if (fs.existsSync(c.dataDir)) fs.cpSync(c.dataDir, path.join(work, 'data'), { recursive: true });
  fs.copyFileSync(path.join(c.libDir, 'package.json'), path.join(work, 'package.json'));
  fs.symlinkSync(path.join(c.libDir, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  // A handout's notebooks import the kit by name (`hai assign`): the name resolves to these copies, as npm would.
  fs.mkdirSync(path.join(work, 'notebooks', 'node_modules'));
  const kit = (JSON.parse(fs.readFileSync(path.join(c.libDir, 'package.json'), 'utf8')) as { name: string }).name;
  fs.symlinkSync(path.join('..', '..'), path.join(work, 'notebooks', 'node_modules', kit), 'dir');
  const copy = path.join(work, 'notebooks', path.basename(file));
  fs.writeFileSync(copy, bytes);
  return copy;
}

/** Writes the submission's original bytes back when grading changed or deleted it (a temp file, then a rename). */
export function restore(file: string, bytes: Buffer): boolean {
  let now: Buffer | null = null;
  try {
    now = fs.readFileSync(file);
  } catch {
    /* deleted: written back below */
  }
  if (now?.equals(bytes)) return true;
  const tmp = `${file}.${process.pid}.restore`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return false;
}

/** The run folder of submission n: `NNN-<file stem>`. */
export const runFolder = (root: string, file: string, n: number) =>
  path.join(
    root,
    `${String(n).padStart(3, '0')}-${path
      .basename(file, '.ipynb')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 60)}`,
  );
