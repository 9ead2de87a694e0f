/**
 * Multithreaded tfjs-backend-wasm under Node: the pthread build (`tfjs-backend-wasm-threaded-simd.wasm`),
 * so XNNPACK really runs on `HAI_WASM_THREADS` threads (default `os.availableParallelism()`, at most 8).
 *
 * Why a work-around: tfjs-backend-wasm 4.22 turns threads off under Node (`WASM_HAS_MULTITHREAD_SUPPORT`
 * is false when `IS_NODE`, tfjs issue #3830), so `setThreadsCount` alone does nothing and a training step
 * runs on one core. Turning the flag on is not enough, for four reasons in its Node bundle:
 * 1. the pthread worker script is handed over as `URL.createObjectURL(new Blob([...]))`, and Node's
 *    `worker_threads.Worker` does not accept blob: URLs;
 * 2. the main script the workers load is a Blob of `factory.toString()`, whose text names variables of
 *    the bundle's scope (`require$$0` = fs, `require$$1` = path, `require$$3` = perf_hooks, `require$$4`
 *    = os, `commonjsGlobal`) that do not exist in a worker;
 * 3. the C++ side caps threads at `emscripten_num_logical_cores() / 2`, i.e. `os.cpus().length / 2`, so a
 *    2-core machine gets 1 thread whatever was asked;
 * 4. XNNPACK's pool threads run forever in `ref`'d workers, which would keep every CLI command alive.
 * So, during `tf.setBackend('wasm')` only, `Blob` / `URL.createObjectURL` are wrapped to write both scripts
 * to a private temp dir (the worker's own `URL.createObjectURL` then returns the main script's path),
 * `os.cpus` reports 2 × the wanted threads, and workers are recorded so a failed start can stop them.
 * Everything is put back afterwards, the temp dir is deleted (Emscripten preloads a pool of 8 workers,
 * which covers every thread count allowed here, so no worker is created later), and the pool workers are
 * `unref`'d. The bundle is checked against the pinned version first; with any other version, or if the
 * threaded start fails, the caller gets the reason and the single-threaded SIMD build runs instead.
 *
 * Introduced in notebooks/00_setup.ipynb (which backend runs, and how fast).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// The os module object itself (an `import *` is a copy): the bundle reads `cpus` from this one.
const nodeOs = require('node:os') as typeof os;

/** The tfjs-backend-wasm version whose bundle internals this file was written and tested against. */
export const WASM_THREADS_VERSION = '4.22.0';
export const THREADS_ENV = 'HAI_WASM_THREADS';
/** PTHREAD_POOL_SIZE of the 4.22 build and `max_num_threads` of its C++ side. */
const POOL_SIZE = 8;
/** The bundle-scope names the factory text uses, and what they are in the bundle. */
export const BUNDLE_NAMES =
  'var require$$0 = require("fs"), require$$1 = require("path"), require$$3 = require("perf_hooks"), ' +
  'require$$4 = require("os");\nvar commonjsGlobal = globalThis, _scriptDir = undefined;\n';
const MAIN_PREFIX = 'var WasmBackendModuleThreadedSimd = ';
/**
 * A healthy start takes under a second (a few on a loaded machine); a stuck one should not hold a notebook for
 * a minute.
 */
const START_TIMEOUT_MS = 20_000;
const EXIT_RACE = /^a pthread worker exited \(code 0\) during the start$/;

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');
interface PThreadWorker {
  unref(): void;
}
interface EmscriptenModule {
  PThread?: { runningWorkers: PThreadWorker[]; unusedWorkers: PThreadWorker[] };
}

/** How many XNNPACK threads were wanted and, when only 1, why. */
export interface ThreadsPlan {
  threads: number;
  reason: string | null;
}
/** What `activateWasm` did: threads is what XNNPACK reports; reason says why it is 1 (null when > 1). */
export interface WasmThreadsInfo {
  requested: number;
  threads: number;
  threaded: boolean;
  reason: string | null;
}

let last: WasmThreadsInfo | null = null;
/** The outcome of the last `activateWasm`, or null before it ran. */
export function wasmThreadsInfo(): WasmThreadsInfo | null {
  return last;
}

/** Reads HAI_WASM_THREADS (0 or 1 = off; unset = every core), capped at the pool of 8. */
export function planThreads(
  value: string | undefined = process.env[THREADS_ENV],
  cores = os.availableParallelism(),
): ThreadsPlan {
  const v = (value ?? '').trim();
  if (v !== '' && !/^\d+$/.test(v))
    throw new Error(`${THREADS_ENV}=${value} is not a thread count: use a whole number (0 or 1 = one thread)`);
  const want = v === '' ? cores : Number(v);
  if (want <= 1)
    return { threads: 1, reason: v === '' ? `one core (os.availableParallelism() = ${cores})` : `${THREADS_ENV}=${v}` };
  return { threads: Math.min(want, POOL_SIZE), reason: null };
}

/** The `threadsNote` of `hai doctor`: how many threads XNNPACK runs on and, when 1, why. */
export function wasmThreadsNote(info: WasmThreadsInfo | null = last): string {
  if (info === null) return 'wasm backend not started';
  if (info.reason === null)
    return (
      `XNNPACK runs on ${info.threads} threads, ${os.availableParallelism()} cores here ` +
      `(wasm pthreads on worker_threads; ${THREADS_ENV}=N to change)`
    );
  return `XNNPACK runs on ${info.threads}: ${info.reason}`;
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

/**
 * Makes 'wasm' the active tfjs backend, threaded when it can, and returns what `tf.setBackend` returned.
 * `version` (default: the installed package's) and `bundleNames` (the workers' definitions of the bundle's
 * names) are injectable so that both fallbacks, before and after the workers start, can be tested.
 */
export async function activateWasm(
  opts: { version?: string; env?: string; cores?: number; bundleNames?: string } = {},
): Promise<boolean> {
  // A process starts the wasm module once; a second call just selects it again.
  if (last !== null && last.threads > 0) return tf.setBackend('wasm');
  const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmModule;
  const plan = planThreads(opts.env ?? process.env[THREADS_ENV], opts.cores ?? os.availableParallelism());
  const version = opts.version ?? wasm.version_wasm;
  let reason = plan.reason;
  if (reason === null && version !== WASM_THREADS_VERSION) {
    reason =
      `tfjs-backend-wasm ${version} is not ${WASM_THREADS_VERSION}, ` +
      'the version the Node threads work-around was checked against';
  }
  if (reason === null) {
    reason = await startThreaded(wasm, plan.threads, opts.bundleNames ?? BUNDLE_NAMES);
    // Now and then (about one start in 15 on a busy 2-core machine) pool workers exit during the start and it
    // would never finish: that race is worth one more try; the other failures are not.
    if (reason !== null && EXIT_RACE.test(reason)) {
      const first = reason;
      reason = await startThreaded(wasm, plan.threads, opts.bundleNames ?? BUNDLE_NAMES);
      if (reason !== null) reason = `${reason} (and on the first try: ${first})`;
    }
    if (reason === null) {
      const got = wasm.getThreadsCount();
      last = {
        requested: plan.threads,
        threads: got,
        threaded: true,
        reason: got > 1 ? null : 'the threaded build started, but XNNPACK reports 1 thread',
      };
      return true;
    }
    console.warn(`hai: wasm threads unavailable, running on 1 thread: ${reason}`);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  const ok = await tf.setBackend('wasm');
  last = { requested: plan.threads, threads: ok ? wasm.getThreadsCount() : 0, threaded: false, reason };
  return ok;
}

/** One threaded start of the wasm backend. Returns null on success, else why it did not start. */
async function startThreaded(wasm: WasmModule, threads: number, bundleNames: string): Promise<string | null> {
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-wasm-threads-'));
  } catch (e) {
    return `cannot write the worker scripts to ${os.tmpdir()}: ${firstLine(e)}`;
  }
  const mainPath = path.join(dir, 'main.cjs');
  const workerPath = path.join(dir, 'worker.cjs');
  const saved = {
    Blob: globalThis.Blob,
    createObjectURL: URL.createObjectURL,
    cpus: nodeOs.cpus,
    worker: Object.getOwnPropertyDescriptor(globalThis, 'Worker'),
  };
  const texts = new WeakMap<object, string>();
  const workers: NodeWorker[] = [];
  let online = 0;
  let failure: string | null = null;
  let failed: (why: string) => void = () => {};
  const failedPromise = new Promise<string>((resolve) => {
    failed = (why) => {
      failure ??= why;
      resolve(failure);
    };
  });
  let starting = true;
  // A write error inside tfjs's init() would only surface as "setBackend failed": keep the real reason.
  const write = (file: string, text: string) => {
    try {
      fs.writeFileSync(file, text);
    } catch (e) {
      failed(`cannot write ${file}: ${firstLine(e)}`);
      throw e;
    }
  };

  // (1, 2) Record the text of each Blob; write the main script, with the bundle's names defined, when made.
  globalThis.Blob = class extends saved.Blob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const text = (args[0] ?? []).filter((p): p is string => typeof p === 'string').join('');
      texts.set(this, text);
      if (!text.startsWith(MAIN_PREFIX)) return;
      const unknown = [...new Set(text.match(/require\$\$\d+/g))].filter((n) => !bundleNames.includes(`${n} =`));
      if (unknown.length) {
        failed(`the threaded factory uses bundle names this work-around does not define: ${unknown.join(', ')}`);
        throw new Error(failure!); // rejects tfjs's init() before any worker exists
      }
      write(mainPath, bundleNames + text);
    }
  };
  // The worker script already has a Node branch; appended, after its "use strict", its own blob: URL of
  // the main script is swapped for the file (the Blob itself survives postMessage, only its URL is useless).
  URL.createObjectURL = (obj: Blob) => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes('WasmBackendModuleThreadedSimd(Module)'))
      return saved.createObjectURL(obj);
    write(
      workerPath,
      `${text}\nURL.createObjectURL = () => ${JSON.stringify(mainPath)}; URL.revokeObjectURL = () => {};\n`,
    );
    return workerPath;
  };
  // (3) num_cores = os.cpus().length / 2 is read once, by the C++ static constructors during this start.
  const cpus = saved.cpus();
  nodeOs.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  // Emscripten sets the global `Worker` to worker_threads' and creates its pool with it: record them, and
  // turn a worker's error during the start into a failure here instead of an uncaught exception.
  class RecordedWorker extends NodeWorker {
    constructor(...args: ConstructorParameters<typeof NodeWorker>) {
      super(...args);
      workers.push(this);
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      // After a failed start these workers are being terminated: their later errors are not news either.
      if (event === 'error' && (starting || failure !== null)) {
        failed(`a pthread worker failed: ${firstLine(args[0])}`);
        return true;
      }
      if (event === 'online') online += 1;
      // A worker that exits during the start never reports back: the start would wait for it until the timeout.
      if (event === 'exit' && starting) failed(`a pthread worker exited (code ${String(args[0])}) during the start`);
      return super.emit(event, ...args);
    }
  }
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => RecordedWorker, set: () => {} });

  let timer: NodeJS.Timeout | undefined;
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            `no start within ${START_TIMEOUT_MS / 1000} s ` +
              `(${workers.length} pthread workers created, ${online} online)`,
          ),
        START_TIMEOUT_MS,
      );
    });
    const ok = await Promise.race([
      tf.setBackend('wasm').catch((e) => {
        failed(firstLine(e));
        return false;
      }),
      failedPromise,
      timeout,
    ]);
    if (ok !== true)
      failure ??=
        typeof ok === 'string' ? ok : `tf.setBackend('wasm') failed with the threaded build (see the warning above)`;
  } catch (e) {
    failure ??= firstLine(e);
  } finally {
    starting = false;
    clearTimeout(timer);
    globalThis.Blob = saved.Blob;
    URL.createObjectURL = saved.createObjectURL;
    nodeOs.cpus = saved.cpus;
    if (saved.worker) Object.defineProperty(globalThis, 'Worker', saved.worker);
    else delete (globalThis as { Worker?: unknown }).Worker;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (failure !== null) {
    // The wasm module may be half-built: stop its workers so they do not keep the process alive.
    for (const w of workers) void w.terminate();
    return failure;
  }
  // (4) The pool threads never finish; a process with nothing else to do must still exit.
  const pthread = ((tf.backend() as BackendWasm).wasm as unknown as EmscriptenModule).PThread;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref();
  return null;
}
