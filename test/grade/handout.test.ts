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
import { KIT_NAME, kitImports, readCourse } from '../../src/grade/assign';
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
  run(process.execPath, [path.join(student, 'node_modules', KIT_NAME, 'bin', 'hai.js'), ...args], student, timeout);

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
  assert.deepEqual(pkg.dependencies, { [KIT_NAME]: `file:${tgz}` });
  assert.equal(read(path.join(made, 'package-lock.json')).packages[`node_modules/${KIT_NAME}`].resolved, `file:${tgz}`);
  assert.match(fs.readFileSync(path.join(made, '.gitignore'), 'utf8'), /^node_modules\/$/m);
  const readme = fs.readFileSync(path.join(made, 'README.md'), 'utf8');
  assert.ok(readme.indexOf('설치') >= 0 && readme.indexOf('설치') < readme.indexOf('Install'), 'Korean first');
  for (const want of ['npm ci', 'npx hai kernel install', '00_setup.ipynb', '제출', 'Submitting', 'HAI_SMOKE'])
    assert.ok(readme.includes(want), want);
  // The notebooks import the kit by name, and read the data beside them.
  for (const n of names) {
    const text = fs.readFileSync(path.join(made, 'notebooks', n), 'utf8');
    assert.ok(!text.includes("'../dist'"), `${n} imports ../dist`);
    assert.ok(text.includes(`from '${KIT_NAME}'`), n);
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
  assert.ok(fs.existsSync(path.join(student, 'node_modules', KIT_NAME, 'dist', 'index.js')));
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

/** The first exercise of each notebook, in cell order (null: none). */
const firstExercise = (name: string) => {
  const c = course.find((x) => path.basename(x.file) === name)!;
  return [...c.parsed.exercises].sort((a, b) => a.cell - b.cell)[0]?.id ?? null;
};
/** Every error or stderr output of an executed notebook, with its cell. */
const problems = (nb: any) =>
  nb.cells.flatMap((c: any, i: number) =>
    (c.outputs ?? [])
      .filter((o: any) => o.output_type === 'error' || o.name === 'stderr')
      .map((o: any) => ({
        cell: i,
        text: o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : src({ source: o.text }),
      })),
  );
// Stand-in banners and the backend's notes go to stderr too; they are not errors.
const notError = (t: string) => !/TODO\(|Error|error|at .*\(/.test(t);

test('every student notebook stops at its first exercise with one TODO line, and nothing else', () => {
  const out = path.join(tmp, 'executed-todo');
  const r = studentHai([
    'nb',
    'run',
    '--smoke',
    '--timeout',
    '300',
    '--out',
    out,
    ...names.map((n) => `notebooks/${n}`),
  ]);
  for (const n of names) {
    const id = firstExercise(n);
    const nb = read(path.join(out, n));
    const found = problems(nb).filter((p: any) => !notError(p.text));
    if (!id) {
      assert.deepEqual(found, [], `${n}: no exercise, runs to the end`);
      continue;
    }
    assert.equal(found.length, 1, `${n}: ${JSON.stringify(found)}`);
    const cell = found[0].cell;
    assert.match(found[0].text, new RegExp(`^TodoError: TODO\\(${id.replace('.', '\\.')}\\): [^\\n]*$`), n);
    const exCell = nb.cells.findIndex((c: any) => c.metadata?.hai?.exercise === id);
    assert.ok(cell > exCell, `${n}: the TODO stops the cell after the exercise (${cell} vs ${exCell})`);
    assert.ok(
      nb.cells.slice(cell + 1).every((c: any) => !(c.outputs ?? []).length),
      `${n}: nothing runs after the TODO`,
    );
  }
  assert.notEqual(r.status, 0, 'an unsolved notebook is a failed run');
});

test("with the instructor's solutions filled in, every student notebook runs to the end", () => {
  const dir = path.join(student, 'notebooks');
  const solved = names.map((n) => {
    const inst = course.find((x) => path.basename(x.file) === n)!;
    const nb = read(path.join(dir, n));
    for (const c of nb.cells) {
      const id = c.metadata?.hai?.exercise;
      if (!id) continue;
      const e = inst.parsed.exercises.find((x) => x.id === id)!;
      c.source = kitImports(src(inst.nb.cells[e.cell]));
    }
    const file = `solved_${n}`;
    fs.writeFileSync(path.join(dir, file), JSON.stringify(nb));
    return file;
  });
  const out = path.join(tmp, 'executed-solved');
  const r = studentHai([
    'nb',
    'run',
    '--smoke',
    '--timeout',
    '300',
    '--out',
    out,
    ...solved.map((n) => `notebooks/${n}`),
  ]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  for (const n of solved)
    assert.deepEqual(
      problems(read(path.join(out, n))).filter((p: any) => !notError(p.text)),
      [],
      n,
    );
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
    const stderr = problems(read(path.join(out, '01_data.ipynb')));
    assert.ok(stderr.length >= 1, 'the TODO is in the notebook');
    assert.match(stderr[0].text, /^TodoError: TODO\(01\.pairs\): [^\n]*\n?$/);
  },
);
