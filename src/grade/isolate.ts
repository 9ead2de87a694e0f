/**
 * One exercise graded where the student's code cannot reach the verdict (item 1 of issue 24). Per exercise the
 * grader starts two processes and a pair of named pipes between them:
 * - the test host (src/grade/testhost.ts), forked with an IPC channel that only the grader and it hold. It receives
 *   the instructor's tests and runs them; the names the exercise cell declares are stubs that call across the pipes;
 * - the exercise host (src/grade/exhost.ts), which runs the student's exercise cell and nothing else, under Node's
 *   permission model (no writes, child processes, workers, inspector or addons) and, when grading is sandboxed, in
 *   bubblewrap (its own PID namespace, the working folder read-only).
 * Why the verdict holds: whatever the student's code patches (`node:assert`, `require.cache`, prototypes, globals,
 * `process.exit`, stdout) it patches in the exercise host, where no test runs and no verdict is formed; the tests'
 * process ran no student code, so its modules and its IPC channel are as Node built them. Values cross as structured
 * clones built by the reader (no proxies, getters or functions); a thrown object is only a name and a message, and
 * any throw fails the test; printed lines are not read (the verdict is an IPC message of the test host's). If the
 * exercise host hangs, exits, crashes or runs out of memory, the tests fail or the exercise's time limit ends both
 * processes: that exercise scores 0, the others are graded as usual.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestJob, TestVerdict } from './testhost';
import type { Box } from './sandboxbox';

export interface IsolateConfig {
  /** Seconds for the exercise: its cell and all its tests. */
  limitS: number;
  /** V8 heap of the exercise host, MB. */
  heapMb: number;
  /** The submission's run folder (its `work/` holds the notebook's copy). */
  runDir: string;
  /** The kit: `dist/`, `node_modules/`, and the data the tests read as `../data`. */
  libDir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The sandbox to start the exercise host in (src/grade/gradebox.ts), or null. */
  box: () => Box | null;
}
export interface IsolatedTest {
  pass: boolean;
  message?: string;
  seconds: number;
}
export interface IsolatedRun {
  /** 'done': every test reported; 'timeout': the limit ended it; 'crashed': the exercise host died (`how`). */
  outcome: 'done' | 'timeout' | 'crashed';
  how?: string;
  tests: IsolatedTest[];
  seconds: number;
}

/** The names a cell declares at its top level (imports, functions, classes, variables, enums). */
export function declaredNames(source: string): string[] {
  // typescript is tslab's own dependency: loaded only when exercises are graded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts: typeof import('typescript') = require('typescript');
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const bind = (n: import('typescript').BindingName) => {
    if (ts.isIdentifier(n)) out.push(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const st of sf.statements) {
    const clause = ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly ? st.importClause : undefined;
    if (clause?.name) out.push(clause.name.text);
    const nb = clause?.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) out.push(nb.name.text);
    else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) out.push(el.name.text);
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name)
      out.push(st.name.text);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
  }
  return [...new Set(out)];
}

/** A cell's TypeScript as CommonJS (what tslab runs), type-only names erased. */
export function toJs(source: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts: typeof import('typescript') = require('typescript');
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      // Keep every value import, used in this cell or not: a set-up cell imports what later cells use (tslab too).
      verbatimModuleSyntax: true,
    },
  }).outputText;
}

/** How the exercise host ended, in words. */
function describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  if (/heap out of memory|Allocation failed/i.test(stderr)) return 'ran out of memory';
  if (signal) return `killed by ${signal}`;
  // In the sandbox a signal reaches the grader as bwrap's exit code 128 + n.
  const byBox = code !== null && code > 128 && code < 160;
  const name = byBox && Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
  if (name) return `killed by ${name} (exit code ${code})`;
  return `exited with code ${code} (process.exit or an uncaught error) before the tests ended`;
}

/** Node's permission flags (v20: `--experimental-permission`, folders as `dir/*`; later: `--permission`, `dir`). */
function permissionArgs(read: string[], write: string[]): string[] {
  const major = Number(process.versions.node.split('.')[0]);
  const dir = (d: string) => (major < 22 ? `${d}/*` : d);
  return [
    major >= 23 ? '--permission' : '--experimental-permission',
    ...read.map((d) => `--allow-fs-read=${dir(d)}`),
    ...write.map((f) => `--allow-fs-write=${f}`),
  ];
}

/** Seconds the instructor's set-up cells may take before an exercise's own limit starts. */
export const SETUP_S = 120;

const keepTail = (s: string, add: string, n = 4000) => (s + add).slice(-n);

/** The folder the tests run in: `../data` is the kit's data, not the submission's copy (its kernel may write there). */
export function testFolder(runDir: string, dataDir: string): string {
  const dir = path.join(runDir, 'tests', 'notebooks');
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    if (fs.existsSync(dataDir)) fs.symlinkSync(dataDir, path.join(runDir, 'tests', 'data'), 'dir');
  }
  return dir;
}

/**
 * Runs one exercise's tests against its cell (TypeScript source) in the two processes; never throws for the student.
 */
export async function runIsolated(
  cell: string,
  tests: string[],
  c: IsolateConfig,
  setup: string[] = [],
): Promise<IsolatedRun> {
  const t0 = performance.now();
  const here = __dirname.endsWith(path.join('src', 'grade')) ? path.join(c.libDir, 'dist', 'grade') : __dirname;
  const box = c.box();
  const fifoDir = box ? box.ipcDir : fs.mkdtempSync(path.join(os.tmpdir(), 'hai-x-'));
  const toEx = path.join(fifoDir, 'to-ex'),
    fromEx = path.join(fifoDir, 'from-ex');
  execFileSync('mkfifo', ['-m', '0666', toEx, fromEx]);
  const workDir = path.join(c.runDir, 'work', 'notebooks');
  const job: TestJob = {
    code: toJs(cell),
    names: declaredNames(cell),
    toEx,
    fromEx,
    dir: testFolder(c.runDir, c.dataDir),
    kit: path.join(c.libDir, 'dist'),
    tests: tests.map((t) => ({ code: toJs(t) })),
    setup: setup.map((s) => ({ code: toJs(s), names: declaredNames(s) })),
  };
  const read = [here, path.join(c.libDir, 'dist'), path.join(c.libDir, 'node_modules'), c.dataDir];
  const argv = [
    `--max-old-space-size=${c.heapMb}`,
    ...permissionArgs([...read, path.join(c.runDir, 'work'), fifoDir], [fromEx]),
    '--no-warnings',
    path.join(here, 'exhost.js'),
    toEx,
    fromEx,
  ];
  const plainEnv = { PATH: c.env.PATH ?? '/usr/bin:/bin', LANG: c.env.LANG ?? 'C.UTF-8', HAI_SMOKE: c.env.HAI_SMOKE };
  const cmd = box ? box.launcher.command([process.execPath, ...argv], { HAI_SMOKE: c.env.HAI_SMOKE }) : null;
  const ex: ChildProcess = spawn(cmd?.file ?? process.execPath, cmd?.args ?? argv, {
    cwd: workDir,
    env: cmd?.env ?? plainEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const th: ChildProcess = fork(path.join(here, 'testhost.js'), [], {
    cwd: job.dir,
    env: { ...c.env, HAI_SMOKE: c.env.HAI_SMOKE },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let exErr = '',
    thErr = '';
  ex.stdout!.resume();
  ex.stderr!.on('data', (d) => (exErr = keepTail(exErr, String(d))));
  th.stdout!.resume();
  th.stderr!.on('data', (d) => (thErr = keepTail(thErr, String(d))));
  const results: (IsolatedTest | undefined)[] = tests.map(() => undefined);
  const verdict = (m: Extract<TestVerdict, { t: 'test' }>): IsolatedTest => ({
    pass: m.pass === true,
    ...(typeof m.message === 'string' ? { message: m.message } : {}),
    seconds: Number(m.seconds) || 0,
  });
  let exExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  ex.on('exit', (code, signal) => (exExit = { code, signal }));
  let exEnded = false;
  const outcome = await new Promise<IsolatedRun['outcome'] | 'host'>((resolve) => {
    // The instructor's set-up has its own allowance; the exercise's limit starts when the tests are ready.
    let timer = setTimeout(() => resolve('timeout'), (c.limitS + SETUP_S) * 1000);
    th.on('message', (m: TestVerdict) => {
      if (m?.t === 'ready') {
        clearTimeout(timer);
        timer = setTimeout(() => resolve('timeout'), c.limitS * 1000);
      } else if (m?.t === 'test' && Number.isInteger(m.k) && m.k >= 0 && m.k < results.length)
        results[m.k] = verdict(m);
      else if (m?.t === 'done') {
        exEnded = m.exEnded === true;
        clearTimeout(timer);
        resolve('done');
      }
    });
    // 'close', not 'exit': 'exit' can come before the last IPC messages are read (seen: a correct exercise scored
    // as crashed); 'close' waits for the IPC channel too, so every verdict sent has been handled by then.
    th.on('close', () => {
      clearTimeout(timer);
      resolve('host');
    });
    th.on('error', () => resolve('host'));
    ex.on('error', (e) => (exErr = keepTail(exErr, String(e.message))));
    th.send(job);
  });
  // The exercise host ended before the tests did: wait (briefly) for its exit status, to say how it ended.
  if (exEnded && !exExit) await Promise.race([once(ex), new Promise((r) => setTimeout(r, 2000))]);
  const e = exExit as { code: number | null; signal: NodeJS.Signals | null } | null; // before the kill below
  for (const p of [th, ex]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await Promise.all([th, ex].map((p) => (p.exitCode !== null || p.signalCode !== null ? 0 : once(p))));
  box?.dispose();
  if (!box) fs.rmSync(fifoDir, { recursive: true, force: true });
  const died = Boolean(e && (e.signal || e.code !== 0 || exEnded) && outcome !== 'timeout');
  let final: IsolatedRun['outcome'] = outcome === 'host' ? 'crashed' : outcome;
  let how: string | undefined;
  if (outcome === 'timeout') how = `no verdict within ${c.limitS} s (the cell or a test kept running)`;
  else if (died || (outcome === 'host' && e)) how = describeExit(e!.code, e!.signal, exErr);
  else if (outcome === 'host') how = `the test host failed: ${thErr.trim().split('\n').slice(-3).join(' ')}`;
  if (final === 'done' && died && results.some((r) => !r?.pass)) final = 'crashed';
  const missing = outcome === 'timeout' ? 'timed out' : (how ?? 'not run');
  return {
    outcome: final,
    ...(how && final !== 'done' ? { how } : {}),
    tests: results.map((r) => r ?? { pass: false, message: missing, seconds: 0 }),
    seconds: (performance.now() - t0) / 1000,
  };
}
const once = (p: ChildProcess) => new Promise((r) => p.once('exit', r));
