/**
 * The layout rules of docs/architecture.md: layer folders only (index.ts alone at the top), modules under ~300
 * lines, and dependency-cruiser's rules (.dependency-cruiser.js) really reject an upward import and a cycle.
 * `npm test` runs the same rules on the real tree first (`npm run lint:deps`); this proves they can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers';

const SRC = path.join(ROOT, 'src');
const CONFIG = path.join(ROOT, '.dependency-cruiser.js');
const LAYERS = [
  'util',
  'engine',
  'data',
  'text',
  'models',
  'infer',
  'train',
  'notebook',
  'course',
  'translate',
  'grade',
  'bench',
  'app',
  'book',
  'cli',
];

test('src/ holds only index.ts and layer folders, each with an index.ts', () => {
  for (const e of fs.readdirSync(SRC, { withFileTypes: true })) {
    if (e.isFile()) assert.equal(e.name, 'index.ts', `src/${e.name} should live in a layer folder`);
    else {
      assert.ok(
        fs.readFileSync(CONFIG, 'utf8').includes(`'${e.name}'`),
        `src/${e.name}/ is not a layer in .dependency-cruiser.js`,
      );
      assert.ok(fs.existsSync(path.join(SRC, e.name, 'index.ts')), `src/${e.name}/index.ts is missing`);
    }
  }
});

test('every src/ line is at most 120 characters (Prettier wraps code; comments and strings are wrapped by hand)', () => {
  const long: string[] = [];
  for (const layer of fs.readdirSync(SRC).filter((f) => !f.endsWith('.ts'))) {
    for (const f of fs.readdirSync(path.join(SRC, layer))) {
      fs.readFileSync(path.join(SRC, layer, f), 'utf8')
        .split('\n')
        .forEach((l, i) => l.length > 120 && long.push(`src/${layer}/${f}:${i + 1} (${l.length})`));
    }
  }
  assert.deepEqual(long, []);
});

test('every module is at most 300 lines', () => {
  for (const layer of fs.readdirSync(SRC).filter((f) => !f.endsWith('.ts'))) {
    for (const f of fs.readdirSync(path.join(SRC, layer))) {
      const n = fs.readFileSync(path.join(SRC, layer, f), 'utf8').split('\n').length;
      assert.ok(n <= 300, `src/${layer}/${f} has ${n} lines`);
    }
  }
});

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-arch-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.build.json'),
      JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src/**/*.ts'] }),
    );
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
    const bin = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
    const r = spawnSync(bin, ['src', '--config', CONFIG], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the dependency rules pass a downward import and reject an upward one, a cycle and a stray top-level module', () => {
  const ok = cruise({
    'src/index.ts': "export * from './cli/a';\n",
    'src/cli/a.ts': "export { b } from '../util/b';\n",
    'src/util/b.ts': 'export const b = 1;\n',
  });
  assert.equal(ok.status, 0, ok.out);
  const up = cruise({
    'src/util/b.ts': "import { a } from '../cli/a';\nexport const b = a;\n",
    'src/cli/a.ts': 'export const a = 1;\n',
  });
  assert.notEqual(up.status, 0);
  assert.match(up.out, /layer-util/);
  const cycle = cruise({
    'src/models/x.ts': "import { y } from './y';\nexport const x = () => y;\n",
    'src/models/y.ts': "import { x } from './x';\nexport const y = () => x;\n",
  });
  assert.match(cycle.out, /no-circular/);
  const stray = cruise({
    'src/loose.ts': "import { b } from './util/b';\nexport const l = b;\n",
    'src/util/b.ts': 'export const b = 1;\n',
  });
  assert.match(stray.out, /top-is-index-only/);
  // The app sits above course/ and train/, yet may not reach them: it classifies through infer/ only.
  const appToTrain = cruise({
    'src/app/d.ts': "import { t } from '../train/t';\nexport const d = t;\n",
    'src/train/t.ts': 'export const t = 1;\n',
  });
  assert.match(appToTrain.out, /app-inference-only/);
  assert.deepEqual(
    LAYERS.filter((l) => !fs.readFileSync(CONFIG, 'utf8').includes(`'${l}'`)),
    [],
  );
});
