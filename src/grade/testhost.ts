/**
 * The test host: a process per exercise, forked by the grader (src/grade/isolate.ts), that runs the instructor's
 * tests and reports each verdict over the IPC channel the grader created when it forked it. No student code ever
 * runs here: the student's functions are stubs that send their arguments to the exercise host (src/grade/exhost.ts)
 * and return the copy of its answer, so `node:assert`, `require.cache`, the globals and prototypes, `process` and
 * the IPC channel this process uses are the ones Node built, untouched. A test passes when its code returns; a
 * thrown value, whatever it claims to be, fails it.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { FnRef, isFnRef, Msg, readFrame, WireError, writeFrame } from './rpcframe';

/** What the grader sends first (and only). */
export interface TestJob {
  /** The exercise cell, compiled to JavaScript, and the names it declares. */
  code: string;
  names: string[];
  /** The named pipes to the exercise host and back. */
  toEx: string;
  fromEx: string;
  /** Where the tests run (`../data` resolves from here) and the kit's `dist` (what `../dist` means to the tests). */
  dir: string;
  kit: string;
  tests: { code: string }[];
  /** The instructor's set-up cells the tests need (compiled), each with the names it declares; run first, in order. */
  setup: { code: string; names: string[] }[];
}
/** What the test host reports: one `test` per test, in order, then `done`. */
export type TestVerdict =
  | { t: 'ready' }
  | { t: 'test'; k: number; pass: boolean; message?: string; seconds: number }
  | { t: 'done'; exEnded: boolean };

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;
let exEnded = false;
const ended = () =>
  (exEnded = true) && new Error("the exercise's process ended (it exited, crashed or ran out of memory)");
const asError = (w: WireError) => {
  const C = { TypeError, RangeError, SyntaxError, ReferenceError }[w.name] ?? Error;
  return Object.assign(new C(w.message), { name: w.name });
};

function host(toEx: number, fromEx: number) {
  /** The student's function `name` as the tests see it: arguments and answer copied, callbacks served here. */
  const remote =
    (name: string) =>
    (...args: unknown[]): unknown => {
      const fns: ((...a: unknown[]) => unknown)[] = [];
      const enc = (x: unknown): unknown =>
        typeof x === 'function'
          ? ({ __haiFn: fns.push(x as (...a: unknown[]) => unknown) - 1 } satisfies FnRef)
          : Array.isArray(x)
            ? x.map(enc)
            : x;
      try {
        writeFrame(toEx, { t: 'call', name, args: args.map(enc) } satisfies Msg);
      } catch (e) {
        throw (e as NodeJS.ErrnoException).code === 'EPIPE' ? ended() : e;
      }
      for (;;) {
        const m = readFrame(fromEx) as Msg | null;
        if (!m || typeof m !== 'object') throw ended();
        if (m.t === 'cb' && Number.isInteger(m.fn) && fns[m.fn] && Array.isArray(m.args)) {
          let reply: Msg;
          try {
            reply = { t: 'cbret', value: fns[m.fn](...m.args) };
          } catch (e) {
            reply = { t: 'cbthrow', error: { name: 'Error', message: String((e as Error)?.message ?? e) } };
          }
          writeFrame(toEx, reply);
        } else if (m.t === 'ret') {
          if (Array.isArray(m.args)) args.forEach((a, i) => copyBack(a, m.args[i]));
          return m.value;
        } else if (m.t === 'throw' && m.error) throw asError(m.error);
        else throw new Error('the exercise host answered out of turn');
      }
    };
  return remote;
}

/** An argument the student's function changed in place (an array sorted, an object filled) changes here too. */
function copyBack(mine: unknown, theirs: unknown): void {
  try {
    if (Array.isArray(mine) && Array.isArray(theirs) && !isFnRef(theirs)) {
      if (mine.length === theirs.length && mine.every((x, i) => typeof x === 'function' || x === theirs[i])) return;
      mine.splice(0, mine.length, ...theirs.map((x, i) => (typeof mine[i] === 'function' ? mine[i] : x)));
    } else if (mine && theirs && typeof mine === 'object' && typeof theirs === 'object' && !Array.isArray(mine)) {
      if (Object.getPrototypeOf(mine) !== Object.prototype) return;
      for (const k of Object.keys(mine)) if (!(k in theirs)) delete (mine as Record<string, unknown>)[k];
      Object.assign(mine, theirs);
    }
  } catch {
    /* frozen: it could not have changed there either */
  }
}

/** tslab's module for set-up cells that display: its display calls do nothing here. */
const tslabStub = { __esModule: true, display: new Proxy({}, { get: () => () => undefined }), isNode: true };
const RESERVED = new Set(['require', 'module', 'exports', '__filename', '__dirname']);

/**
 * Runs one cell's code with the names in `scope` in view and adds the names it declares to it. The code sits in a
 * block of its own, so a cell may declare again a name an earlier cell declared (tslab allows it).
 */
async function runCell(
  code: string,
  declared: string[],
  scope: Map<string, unknown>,
  req: (id: string) => unknown,
  dir: string,
): Promise<void> {
  const names = [...scope.keys()].filter((n) => !RESERVED.has(n));
  const pick = (n: string) => `${JSON.stringify(n)}: typeof ${n} === 'undefined' ? undefined : ${n}`;
  const src = `{\n${code}\nreturn {${declared.filter((n) => !RESERVED.has(n)).map(pick)}};\n}`;
  const body = new AsyncFunction('require', 'module', 'exports', '__filename', '__dirname', ...names, src);
  const mod = { exports: {} };
  const file = path.join(dir, '__cell__.js');
  const out = await body(req, mod, mod.exports, file, dir, ...names.map((n) => scope.get(n)));
  for (const n of declared) if (!RESERVED.has(n)) scope.set(n, out[n]);
}

async function run(job: TestJob): Promise<void> {
  const report = (v: TestVerdict) => new Promise<void>((r) => process.send!(v, undefined, {}, () => r()));
  const req = createRequire(path.join(job.dir, '__tests__.js'));
  const testRequire = (id: string) =>
    /^\.\.\/dist(\/index(\.js)?)?$/.test(id) ? req(job.kit) : id === 'tslab' ? tslabStub : req(id);
  // The instructor's set-up first (no student code: cells that call an exercise are left out by the grader).
  const scope = new Map<string, unknown>();
  // A set-up cell that fails here (a chart that needs the kernel) is passed over: the names it declares stay
  // undefined, and a test that needs them fails with this note added.
  let setupError: string | null = null;
  for (const [i, cell] of job.setup.entries())
    try {
      await runCell(cell.code, cell.names, scope, testRequire, job.dir);
    } catch (e) {
      setupError ??= `set-up cell ${i + 1} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`;
    }
  await report({ t: 'ready' });
  const toEx = fs.openSync(job.toEx, 'w'),
    fromEx = fs.openSync(job.fromEx, 'r');
  writeFrame(toEx, { t: 'load', code: job.code, names: job.names, dir: job.dir, kit: job.kit } satisfies Msg);
  const loaded = readFrame(fromEx) as Extract<Msg, { t: 'loaded' }> | null;
  const failAll = async (message: string) => {
    for (const k of job.tests.keys()) await report({ t: 'test', k, pass: false, message, seconds: 0 });
  };
  if (!loaded || loaded.t !== 'loaded') return failAll(ended().message);
  if (!loaded.ok) return failAll(`the exercise cell threw ${loaded.error?.name}: ${loaded.error?.message}`);
  const remote = host(toEx, fromEx);
  job.names.forEach((n, i) => scope.set(n, loaded.kinds[n] === 'function' ? remote(n) : loaded.values[i]));
  for (const [k, t] of job.tests.entries()) {
    const t0 = performance.now();
    try {
      await runCell(t.code, [], new Map(scope), testRequire, job.dir);
      await report({ t: 'test', k, pass: true, seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      const message =
        (e instanceof Error ? `${e.name}: ${e.message}` : String(e)) + (setupError ? ` (${setupError})` : '');
      await report({ t: 'test', k, pass: false, message, seconds: (performance.now() - t0) / 1000 });
    }
  }
}

process.once('message', (job: TestJob) => {
  process.chdir(job.dir);
  run(job).then(
    () => process.send!({ t: 'done', exEnded } satisfies TestVerdict, undefined, {}, () => process.exit(0)),
    (e) => {
      process.stderr.write(`test host: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
});
