/**
 * `hai assign --out DIR`: a self-contained course folder for students. It holds the student notebooks
 * (notebooks/, from assign.ts), the data they read (data/), a package.json whose one dependency is this kit (by
 * default the kit packed with `npm pack` into the folder, so it installs without a registry account; or a
 * published version), a package-lock.json, a .gitignore and a README. Students run `npm ci` and
 * `npx hai kernel install`. The grading files go to `--grading`, never into the folder, and the folder is linted
 * (handoutlint.ts) before `hai assign` reports success.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { REPO_ROOT, repoPath } from '../util/paths';
import { assignCourse, AssignConfig, AssignResult, isInside, kitName } from './assign';
import { handoutReadme } from './handoutreadme';
import { formatFinding, lintHandout } from './handoutlint';

export interface HandoutConfig extends AssignConfig {
  /** A published version (or range) of the kit to depend on; null: pack this kit into the folder. */
  kitVersion: string | null;
  /** The npm command. */
  npm: string;
  /** The course title in the README. */
  title: string;
}
export const handoutDefaults = (o: Partial<HandoutConfig> = {}): HandoutConfig => ({
  src: path.join(REPO_ROOT, 'notebooks'),
  out: 'handout',
  grading: 'grading',
  notebooks: null,
  kitVersion: null,
  npm: process.platform === 'win32' ? 'npm.cmd' : 'npm',
  title: 'HAI Dialect Lab: 한국어 방언 분류 / Korean dialect classification',
  ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
});

export interface HandoutResult extends AssignResult {
  out: string;
  /** The kit's tarball in the folder, or null with `kitVersion`. */
  tarball: string | null;
  files: number;
}

const kitPackage = () => JSON.parse(fs.readFileSync(repoPath('package.json'), 'utf8'));

/** Runs npm in `cwd`; a failure throws with npm's own last lines. */
function npm(c: HandoutConfig, args: string[], cwd: string): string {
  const r = spawnSync(c.npm, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(
      `\`npm ${args.join(' ')}\` in ${cwd} failed (${r.error?.message ?? `exit ${r.status}`}):\n` +
        `${(r.stderr || r.stdout || '').trim().split('\n').slice(-8).join('\n')}`,
    );
  return r.stdout;
}

/**
 * A checkout's dist/ must be built from its src/ as it is now: the tarball carries dist/, and students must not
 * need TypeScript (`npm pack` runs with --ignore-scripts, so the kit's `prepare` build does not run).
 */
export function staleBuild(root = REPO_ROOT): string[] {
  const src = path.join(root, 'src');
  if (!fs.existsSync(src)) return [];
  const out: string[] = [];
  for (const f of fs.readdirSync(src, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
    const js = path.join(root, 'dist', f.replace(/\.ts$/, '.js'));
    if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(src, f)).mtimeMs) out.push(f);
  }
  return out;
}

/** Packs the kit into `dir`; returns the tarball's file name. */
function packKit(c: HandoutConfig, dir: string): string {
  const stale = staleBuild();
  if (stale.length)
    throw new Error(
      `dist/ is older than src/ (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): ` +
        `run \`npm run build\` first, so the kit's tarball carries the library as it is now`,
    );
  const j = JSON.parse(npm(c, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO_ROOT));
  return j[0].filename;
}

/**
 * The handout's lock file, seeded from the kit's own (its non-development packages, the same versions the kit is
 * tested with, all in the npm cache after the kit's `npm ci`); npm then completes and checks it, offline first.
 */
function writeLock(c: HandoutConfig, dir: string, pkg: any, tarball: string | null): void {
  const kitLock = repoPath('package-lock.json');
  if (fs.existsSync(kitLock)) {
    const lock = JSON.parse(fs.readFileSync(kitLock, 'utf8'));
    const kit = kitPackage();
    const packages: Record<string, any> = {
      '': { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies },
    };
    // With a published version, npm adds the kit's own entry from the registry.
    if (tarball) {
      const integrity = crypto
        .createHash('sha512')
        .update(fs.readFileSync(path.join(dir, tarball)))
        .digest('base64');
      packages[`node_modules/${kitName()}`] = {
        version: kit.version,
        resolved: `file:${tarball}`,
        integrity: `sha512-${integrity}`,
        ...Object.fromEntries(
          ['license', 'dependencies', 'optionalDependencies', 'bin', 'engines'].map((k) => [k, kit[k]]),
        ),
      };
    }
    for (const [k, v] of Object.entries<any>(lock.packages ?? {})) {
      if (k === '' || v.dev || !k.startsWith('node_modules/')) continue;
      const { devOptional: _, ...rest } = v;
      packages[k] = rest;
    }
    const seed = { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
    writeFileAtomic(path.join(dir, 'package-lock.json'), JSON.stringify(seed, null, 2) + '\n');
  }
  npm(c, ['install', '--package-lock-only', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
}

const GITIGNORE = `# installed by npm ci
node_modules/
# training runs and caches the notebooks write
runs/
.hai-cache/
.ipynb_checkpoints/
`;

/**
 * Writes the handout folder and the grading files; lints the folder; any problem throws. The folder is made beside
 * `out` and renamed into place once it is clean, so a failed run leaves no half or leaking handout.
 */
export function writeHandout(cfg: Partial<HandoutConfig> = {}): HandoutResult {
  const c = handoutDefaults(cfg);
  if (fs.existsSync(c.out) && fs.readdirSync(c.out).length)
    throw new Error(`${c.out} is not empty: write the handout into a new folder (nothing in it is replaced)`);
  if (isInside(c.grading, c.out) || isInside(c.out, c.grading))
    throw new Error(
      `--out ${c.out} and --grading ${c.grading} must be separate folders (no grading file in a handout)`,
    );
  const out = c.out;
  const dir = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    const res = assignCourse({ ...c, out: path.join(dir, 'notebooks') });
    fs.cpSync(repoPath('data'), path.join(dir, 'data'), { recursive: true });
    const tarball = c.kitVersion ? null : packKit(c, dir);
    const kit = kitPackage();
    const pkg = {
      name: `${kitName()}-handout`,
      version: kit.version,
      private: true,
      description: `Student handout of ${kitName()}: notebooks, data and the kit (made by \`hai assign\`).`,
      engines: kit.engines,
      dependencies: { [kitName()]: tarball ? `file:${tarball}` : c.kitVersion },
      // npm applies overrides and install-script rules of the root package only: the kit's must be repeated here.
      ...(kit.overrides ? { overrides: kit.overrides } : {}),
      ...(kit.allowScripts ? { allowScripts: kit.allowScripts } : {}),
    };
    writeFileAtomic(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
    writeLock(c, dir, pkg, tarball);
    writeFileAtomic(path.join(dir, '.gitignore'), GITIGNORE);
    const notebooks = res.student.map((f) => path.basename(f));
    const kitRef = tarball ?? `${kitName()}@${c.kitVersion}`;
    const readme = handoutReadme({ title: c.title, notebooks, exercises: res.exercises, kit: kitRef });
    writeFileAtomic(path.join(dir, 'README.md'), readme);
    const findings = lintHandout(dir, c.src, c.notebooks);
    if (findings.length)
      throw new Error(`the handout would leak:\n${findings.slice(0, 20).map(formatFinding).join('\n')}`);
    const files = (fs.readdirSync(dir, { recursive: true }) as string[]).length;
    fs.rmSync(out, { recursive: true, force: true }); // empty, checked above
    fs.renameSync(dir, out);
    return {
      ...res,
      student: notebooks.map((n) => path.join(out, 'notebooks', n)),
      out,
      tarball: tarball && path.join(out, tarball),
      files,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
