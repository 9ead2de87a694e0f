/**
 * The student handout (`hai assign --out`, src/grade/handout.ts), tried as a student would: the folder is copied
 * out of the repo, installed offline from the npm cache (`npm ci --offline`; the repo's own install filled it), the
 * kernel installed into a temporary JUPYTER_DATA_DIR, and every student notebook run headless in smoke mode by the
 * installed kit's runner: each stops at its first exercise with that one TODO line and nothing else; with the
 * instructor's solutions filled in, each runs to the end. One notebook also goes through `jupyter nbconvert
 * --execute` with the installed kernel. And `hai assign --lint DIR` finds a solution or hidden test planted in the
 * folder or inside the kit's tarball.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kitImports, kitName, readCourse } from '../../src/grade/assign';
import { lintHandout, readTarball } from '../../src/grade/handoutlint';
import { hai, ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-handout-test-'));
const made = path.join(tmp, 'made'),
  grading = path.join(tmp, 'grading'),
  student = path.join(tmp, 'student'),
  jupyterData = path.join(tmp, 'jupyter');
const studentEnv = { ...process.env, JUPYTER_DATA_DIR: jupyterData, HAI_SMOKE: '1' };
const course = readCourse(path.join(ROOT, 'notebooks'));
const names = course.map((c) => path.basename(c.file));
const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
const src = (c: any) => (Array.isArray(c.source) ? c.source.join('') : (c.source ?? ''));
const run = (cmd: string, args: string[], cwd: string, timeout = 600_000) =>
  spawnSync(cmd, args, { cwd, env: studentEnv, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
/** The installed kit's own CLI, as `npx hai` runs it in the handout. */
const studentHai = (args: string[], timeout?: number) =>
  run(process.execPath, [path.join(student, 'node_modules', kitName(), 'bin', 'hai.js'), ...args], student, timeout);

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => {
  const r = hai(['assign', '--out', made, '--grading', grading], {}, 300_000);
  assert.equal(r.code, 0, r.stderr);
  fs.cpSync(made, student, { recursive: true });
  const ci = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], student);
  assert.equal(ci.status, 0, `npm ci --offline in the handout:\n${ci.stderr}`);
  const k = studentHai(['kernel', 'install']);
  assert.equal(k.status, 0, k.stderr);
});

test('the handout holds notebooks, data, the kit and a lock; grading files stay apart', () => {
  const top = fs.readdirSync(made).sort();
  const tgz = top.find((f) => f.endsWith('.tgz'))!;
  assert.deepEqual(top, ['.gitignore', 'README.md', 'data', tgz, 'notebooks', 'package-lock.json', 'package.json']);
  assert.deepEqual(fs.readdirSync(path.join(made, 'notebooks')).sort(), names);
  assert.ok(fs.readdirSync(grading).every((f) => f.endsWith('.grading.json')));
  const pkg = read(path.join(made, 'package.json'));
  assert.deepEqual(pkg.dependencies, { [kitName()]: `file:${tgz}` });
  assert.equal(
    read(path.join(made, 'package-lock.json')).packages[`node_modules/${kitName()}`].resolved,
    `file:${tgz}`,
  );
  assert.match(fs.readFileSync(path.join(made, '.gitignore'), 'utf8'), /^node_modules\/$/m);
  const readme = fs.readFileSync(path.join(made, 'README.md'), 'utf8');
  assert.ok(readme.indexOf('설치') >= 0 && readme.indexOf('설치') < readme.indexOf('Install'), 'Korean first');
  for (const want of ['npm ci', 'npx hai kernel install', '00_setup.ipynb', '제출', 'Submitting', 'HAI_SMOKE'])
    assert.ok(readme.includes(want), want);
  // The notebooks import the kit by name, and read the data beside them.
  for (const n of names) {
    const text = fs.readFileSync(path.join(made, 'notebooks', n), 'utf8');
    assert.ok(!text.includes("'../dist'"), `${n} imports ../dist`);
    assert.ok(text.includes(`from '${kitName()}'`), n);
  }
  for (const d of ['data/aihub', 'data/rows/course_train.csv']) assert.ok(fs.existsSync(path.join(made, d)), d);
  // The tarball: the built library, its data and CLI; no sources, tests or instructor notebooks.
  const files = readTarball(path.join(made, tgz)).map((f) => f.name.replace(/^package\//, ''));
  for (const want of ['dist/index.js', 'dist/index.d.ts', 'bin/hai.js', 'data/rows/course_train.csv', 'package.json'])
    assert.ok(files.includes(want), want);
  assert.deepEqual(
    files.filter((f) => /^(src|test|notebooks|grading)\/|\.ipynb$|\.grading\.json$/.test(f)),
    [],
  );
  // Installed without building: the kit's devDependencies (TypeScript) are not there, dist/ came in the tarball.
  assert.ok(fs.existsSync(path.join(student, 'node_modules', kitName(), 'dist', 'index.js')));
  assert.ok(!fs.existsSync(path.join(student, 'node_modules', 'typescript')), 'no TypeScript on the student side');
  const spec = read(path.join(jupyterData, 'kernels', 'tslab', 'kernel.json'));
  assert.ok(spec.argv[1].startsWith(path.join(student, 'node_modules')), spec.argv[1]);
});

test('hai assign --lint DIR: clean on the handout; finds a solution or hidden test planted anywhere', () => {
  const ok = hai(['assign', '--lint', made]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /no solution, hidden test or grading file/);
  const bad = path.join(tmp, 'planted');
  fs.cpSync(made, bad, { recursive: true });
  const nb04 = course.find((c) => c.file.endsWith('04_tuned.ipynb'))!;
  const ex = nb04.nb.cells[nb04.parsed.exercises[1].cell];
  const hidden = nb04.nb.cells[nb04.parsed.tests.find((t) => t.hidden)!.cell];
  // A solution as a loose file, a hidden test pasted into a notebook, a grading file, and the instructor's notebook
  // and a hidden test packed into the kit's tarball.
  fs.writeFileSync(path.join(bad, 'solutions.ts'), src(ex).replace(/^.*SOLUTION.*\n/gm, ''));
  const nb = read(path.join(bad, 'notebooks', '04_tuned.ipynb'));
  nb.cells.push({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: src(hidden) });
  fs.writeFileSync(path.join(bad, 'notebooks', '04_tuned.ipynb'), JSON.stringify(nb));
  fs.copyFileSync(path.join(grading, '04_tuned.grading.json'), path.join(bad, 'data', '04_tuned.grading.json'));
  const tgz = fs.readdirSync(bad).find((f) => f.endsWith('.tgz'))!;
  const unpack = path.join(tmp, 'unpack');
  fs.mkdirSync(unpack);
  assert.equal(spawnSync('tar', ['xzf', path.join(bad, tgz), '-C', unpack]).status, 0);
  fs.mkdirSync(path.join(unpack, 'package', 'test'));
  fs.writeFileSync(path.join(unpack, 'package', 'test', 'hidden.ts'), src(hidden));
  fs.copyFileSync(nb04.file, path.join(unpack, 'package', 'dist', 'tuned.ipynb'));
  assert.equal(spawnSync('tar', ['czf', path.join(bad, tgz), '-C', unpack, 'package']).status, 0);
  const found = lintHandout(bad, path.join(ROOT, 'notebooks'));
  const has = (file: RegExp, what: RegExp) =>
    assert.ok(
      found.some((f) => file.test(f.file) && what.test(f.what)),
      `${file} ${what} in:\n${found.map((f) => `${f.file}: ${f.what}`).join('\n')}`,
    );
  has(/^solutions\.ts$/, /solution line of 04_tuned/);
  has(/^notebooks\/04_tuned\.ipynb$/, /hidden test marker/);
  has(/^notebooks\/04_tuned\.ipynb$/, /hidden test line/);
  has(/^data\/04_tuned\.grading\.json$/, /grading file/);
  has(/^data\/04_tuned\.grading\.json$/, /hidden test line/);
  has(/\.tgz!package\/test\/hidden\.ts$/, /instructor files/);
  has(/\.tgz!package\/test\/hidden\.ts$/, /hidden test marker/);
  has(/\.tgz!package\/dist\/tuned\.ipynb$/, /solution marker/);
  const cli = hai(['assign', '--lint', bad]);
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /leak\(s\) of solutions or hidden tests/);
});

/** Every error or stderr output of an executed notebook's cells, with the cell. */
const problems = (cells: any[]) =>
  cells.flatMap((c: any, i: number) =>
    (c.outputs ?? [])
      .filter((o: any) => o.output_type === 'error' || o.name === 'stderr')
      .map((o: any) => ({
        cell: i,
        text: o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : src({ source: o.text }),
      }))
      .filter((p: { text: string }) => !BANNER.test(p.text)),
  );
// The stand-in models' banner goes to stderr by design (src/models/standin.ts); any other stderr is a problem.
const BANNER = /^=+\n  STAND-IN MODEL: this is NOT the pre-trained /;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Each student notebook, run by the installed kit's runner (its tslab) in smoke mode, must stop at the cell after
 * its first exercise with one TODO line. Then, in the same kernel, the instructor's solutions are filled in and the
 * notebook runs on from that exercise to its last cell. The cells before the first exercise are the same in both
 * versions: running them a second time in a fresh kernel would double the test's time (05 trains six models there).
 */
test('every student notebook stops at its first TODO with one line; with the solutions filled in it runs to the end', async () => {
  const kit = require(path.join(student, 'node_modules', kitName(), 'dist', 'notebook', 'nbrun.js'));
  const failures: string[] = [];
  const times: string[] = [];
  for (const n of names) {
    const inst = course.find((x) => path.basename(x.file) === n)!;
    const first = [...inst.parsed.exercises].sort((a, b) => a.cell - b.cell)[0]?.id ?? null;
    const solved: { cell: number; status: string; outputs: any[] }[] = [];
    const t0 = performance.now();
    const r = await kit.runNotebook(path.join(student, 'notebooks', n), {
      smoke: true,
      timeoutS: 300,
      env: studentEnv,
      after: async (kernel: any, _cells: unknown, executed: any) => {
        if (!first) return;
        await sleep(300); // tslab drops requests for 200 ms after an error
        const from = executed.cells.findIndex((c: any) => c.metadata?.hai?.exercise === first);
        for (let i = from; i < executed.cells.length; i++) {
          const c = executed.cells[i];
          if (c.cell_type !== 'code') continue;
          const id = c.metadata?.hai?.exercise;
          const e = id && inst.parsed.exercises.find((x) => x.id === id)!;
          const code = e ? kitImports(src(inst.nb.cells[e.cell])) : src(c);
          const x = await kernel.execute(code, 300_000);
          solved.push({ cell: i, status: x.status, outputs: x.outputs });
          if (x.status !== 'ok') break;
        }
      },
    });
    times.push(`${n} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const found = problems(r.executed.cells);
    if (!first) {
      if (r.status !== 'ok' || found.length)
        failures.push(`${n}: no exercise, must run clean: ${JSON.stringify(found)}`);
      continue;
    }
    // The TODO pass: one problem, the TODO line of the first exercise, in a cell after it; nothing ran after it.
    const exCell = r.executed.cells.findIndex((c: any) => c.metadata?.hai?.exercise === first);
    const want = new RegExp(`^TodoError: TODO\\(${first.replace('.', '\\.')}\\): [^\\n]*$`);
    if (found.length !== 1 || !want.test(found[0].text) || found[0].cell <= exCell)
      failures.push(`${n}: expected one TODO(${first}) line after cell ${exCell}, got ${JSON.stringify(found)}`);
    else if (r.executed.cells.slice(found[0].cell + 1).some((c: any) => (c.outputs ?? []).length))
      failures.push(`${n}: cells ran after the TODO`);
    // The solved pass: every cell from the first exercise on ran, with no error and nothing on stderr but banners.
    const codeCells = r.executed.cells.filter((c: any, i: number) => i >= exCell && c.cell_type === 'code').length;
    const bad = solved.filter((x) => x.status !== 'ok' || problems([{ outputs: x.outputs }]).length);
    if (bad.length || solved.length !== codeCells)
      failures.push(
        `${n} with solutions: ${solved.length} of ${codeCells} cells ran; ` +
          bad
            .map((x) => `cell ${x.cell} ${x.status}: ${JSON.stringify(problems([{ outputs: x.outputs }]))}`)
            .join('; '),
      );
  }
  console.log(`notebook runs: ${times.join(', ')}`);
  assert.deepEqual(failures, []);
});

const nbconvert = spawnSync('jupyter-nbconvert', ['--version'], { encoding: 'utf8' });
test(
  'jupyter nbconvert --execute with the installed kernel: the TODO is one line on stderr',
  { skip: nbconvert.status === 0 ? false : 'jupyter-nbconvert is not installed (apt-get install jupyter-nbconvert)' },
  () => {
    const out = path.join(tmp, 'nbconvert');
    const args = ['--to', 'notebook', '--execute', '--output-dir', out, '--ExecutePreprocessor.timeout=300'];
    const r = run('jupyter-nbconvert', [...args, 'notebooks/01_data.ipynb'], student);
    assert.notEqual(r.status, 0, 'nbconvert stops at the TODO');
    assert.match(r.stderr, /CellExecutionError/);
    const r2 = run('jupyter-nbconvert', [...args, '--allow-errors', 'notebooks/01_data.ipynb'], student);
    assert.equal(r2.status, 0, r2.stderr);
    const stderr = problems(read(path.join(out, '01_data.ipynb')).cells);
    assert.ok(stderr.length >= 1, 'the TODO is in the notebook');
    assert.match(stderr[0].text, /^TodoError: TODO\(01\.pairs\): [^\n]*\n?$/);
  },
);
