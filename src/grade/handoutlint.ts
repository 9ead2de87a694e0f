/**
 * `hai assign --lint DIR`: a handout folder must hold no solution and no hidden test, anywhere: not in its
 * notebooks, not in any other file, not inside the kit's tarball (which `npm pack` fills from package.json `files`).
 * It looks for grading files, the instructor's notebooks or tests packed into the tarball, solution and hidden-test
 * markers, and the instructor's secret lines (assign.ts `secretLines`) in every text file.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { cellSource } from './exercises';
import { HIDDEN_MARKER, readCourse, secretLines, SOLUTION_MARKER } from './assign';

export interface HandoutFinding {
  /** The file, relative to the handout; `kit.tgz!package/x` for a file inside a tarball. */
  file: string;
  /** 1-based line (of a notebook cell: `cell N, line M`), or 0 for the file as a whole. */
  where: string;
  what: string;
  text: string;
}
export const formatFinding = (f: HandoutFinding) => `${f.file}${f.where ? `: ${f.where}` : ''}: ${f.what}: ${f.text}`;

/** The regular files of a .tgz/.tar.gz (ustar, with pax and GNU long names as node-tar and GNU tar write them). */
export function readTarball(file: string): { name: string; data: Buffer }[] {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const out: { name: string; data: Buffer }[] = [];
  let next: string | null = null;
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, b: number) => h.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    if (!Number.isFinite(size)) throw new Error(`${file}: not a tar archive (bad size at byte ${off})`);
    const type = String.fromCharCode(h[156] || 48);
    const data = buf.subarray(off + 512, off + 512 + size);
    const prefix = str(345, 500);
    const name = next ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    next = null;
    if (type === 'x') next = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? null;
    else if (type === 'L') next = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '7') out.push({ name, data: Buffer.from(data) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The lines a file holds as text: a notebook's cell sources, a JSON file's strings, else its lines. */
function textLines(name: string, data: Buffer): { where: string; text: string }[] | null {
  if (data.subarray(0, 8000).includes(0)) return null; // binary
  const text = data.toString('utf8');
  const lines = (s: string, at: string) =>
    s.split('\n').map((l, i) => ({ where: `${at}line ${i + 1}`, text: l.trim() }));
  if (/\.(ipynb|json)$/.test(name)) {
    let j: any;
    try {
      j = JSON.parse(text);
    } catch {
      return lines(text, '');
    }
    if (Array.isArray(j?.cells)) return j.cells.flatMap((c: any, i: number) => lines(cellSource(c), `cell ${i}, `));
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(j);
    return strings.flatMap((s, i) => lines(s, `string ${i + 1}, `));
  }
  return lines(text, '');
}

/** What one file must not be or hold. */
function scanFile(file: string, data: Buffer, secret: Map<string, string>, inKit: boolean): HandoutFinding[] {
  const out: HandoutFinding[] = [];
  const base = path.basename(file);
  if (/\.grading\.json$/.test(base)) out.push({ file, where: '', what: 'grading file', text: base });
  const rel = file.replace(/^.*!package\//, '');
  if (inKit && /^(test|notebooks|grading)\/|\.ipynb$/.test(rel))
    out.push({ file, where: '', what: "the kit's tarball holds instructor files", text: rel });
  const lines = textLines(base, data);
  if (!lines) return out;
  // The kit's compiled library is the reference the hidden tests compare with (hai.balancedClassWeights, …): it
  // shares lines with some solutions by design, so in dist/ only markers count.
  const library = inKit && rel.startsWith('dist/');
  // Documentation may show what a marker looks like; a marker in code or a notebook is a solution left in.
  const markers = !/\.md$/i.test(base);
  for (const l of lines) {
    if (markers && SOLUTION_MARKER.test(l.text)) out.push({ file, ...l, what: 'solution marker' });
    else if (markers && HIDDEN_MARKER.test(l.text)) out.push({ file, ...l, what: 'hidden test marker' });
    else if (!library && secret.has(l.text)) out.push({ file, ...l, what: secret.get(l.text)! });
  }
  return out;
}

/**
 * Every finding in the handout folder `dir` (node_modules and .git left out: they are installed, not handed out),
 * against the instructor's notebooks in `src`.
 */
export function lintHandout(dir: string, src: string, notebooks: string[] | null = null): HandoutFinding[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: no such handout folder`);
  // A line that one notebook shows the students (`const tf = hai.tf;`) is no secret in another.
  const secret = new Map<string, string>(),
    publicLines = new Set<string>();
  for (const c of readCourse(src, notebooks))
    for (const [line, what] of secretLines(c.nb, c.parsed, publicLines))
      if (!SOLUTION_MARKER.test(line)) secret.set(line, `${what} of ${path.basename(c.file)}`);
  for (const t of publicLines) secret.delete(t);
  const out: HandoutFinding[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name),
        rel = path.relative(dir, p);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') walk(p);
      } else if (e.isFile()) {
        const data = fs.readFileSync(p);
        if (/\.(tgz|tar\.gz)$/.test(e.name))
          for (const t of readTarball(p)) out.push(...scanFile(`${rel}!${t.name}`, t.data, secret, true));
        else out.push(...scanFile(rel, data, secret, false));
      }
    }
  };
  walk(dir);
  return out;
}
