/**
 * The exercise host: a process of its own per exercise that runs the student's exercise cell (compiled to
 * JavaScript by the grader) and answers the test host's calls of the functions it declares. Everything here is
 * the student's to break: it holds no test, no secret and no verdict; what it answers is plain data (structured
 * clone), and if it lies, hangs, exits or crashes, the tests in the other process fail or time out. Started by
 * src/grade/isolate.ts under Node's permission model (no child processes, workers, inspector, native addons or file
 * writes) and, where the grader has one, in the bubblewrap sandbox.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { FnRef, isFnRef, Msg, readFrame, WireError, writeFrame } from './rpcframe';

const [inPath, outPath] = process.argv.slice(2);
// Opened before any student code; the student could reopen them, but they are only this process's own channel.
const inFd = fs.openSync(inPath, 'r'),
  outFd = fs.openSync(outPath, 'w');
const send = (m: Msg) => writeFrame(outFd, m);

/** A thrown value as the tests will see it: its name and message, read defensively (it may be any object). */
function wireError(e: unknown): WireError {
  try {
    if (e instanceof Error) return { name: String(e.name), message: String(e.message) };
    return { name: 'Error', message: `a non-Error value was thrown: ${String(e)}` };
  } catch {
    return { name: 'Error', message: 'an exception that could not be read' };
  }
}

/** A callback of the tests, called from the student's code: asks the test host and waits for its answer. */
const callback =
  (fn: number) =>
  (...args: unknown[]): unknown => {
    send({ t: 'cb', fn, args: args.map(wire) });
    const m = readFrame(inFd) as Msg | null;
    if (!m) process.exit(70);
    if (m.t === 'cbret') return m.value;
    if (m.t === 'cbthrow') throw Object.assign(new Error(m.error.message), { name: m.error.name });
    throw new Error('the test host answered a callback with something else');
  };
const revive = (x: unknown): unknown =>
  isFnRef(x) ? callback((x as FnRef).__haiFn) : Array.isArray(x) ? x.map(revive) : x;
/** Functions cannot be copied back: they become null. */
const wire = (x: unknown): unknown => (typeof x === 'function' ? null : Array.isArray(x) ? x.map(wire) : x);

function load(m: Extract<Msg, { t: 'load' }>): Record<string, unknown> {
  const req = createRequire(path.join(m.dir, '__exercise__.js'));
  const mod = { exports: {} as Record<string, unknown> };
  const pick = (n: string) => `${JSON.stringify(n)}: typeof ${n} === 'undefined' ? undefined : ${n}`;
  const ret = `\nreturn {${m.names.map(pick)}};`;
  const hai = /\bhai\b/.test(m.code) ? req(m.kit) : undefined;
  const body = new Function('require', 'module', 'exports', '__filename', '__dirname', 'hai', m.code + ret);
  return body(req, mod, mod.exports, path.join(m.dir, '__exercise__.js'), m.dir, hai);
}

let bound: Record<string, unknown> = {};
for (;;) {
  const m = readFrame(inFd) as Msg | null;
  if (!m) process.exit(0);
  if (m.t === 'load') {
    try {
      bound = load(m);
      const kinds: Record<string, 'function' | 'value'> = {},
        values: unknown[] = [];
      for (const n of m.names) {
        kinds[n] = typeof bound[n] === 'function' ? 'function' : 'value';
        values.push(kinds[n] === 'value' ? bound[n] : null);
      }
      send({ t: 'loaded', ok: true, kinds, values });
    } catch (e) {
      send({ t: 'loaded', ok: false, error: wireError(e), kinds: {}, values: [] });
    }
  } else if (m.t === 'call') {
    const args = m.args.map(revive);
    let reply: Msg;
    try {
      const f = bound[m.name];
      if (typeof f !== 'function') throw new TypeError(`${m.name} is not a function`);
      reply = { t: 'ret', value: f(...args), args: args.map(wire) };
    } catch (e) {
      reply = { t: 'throw', error: wireError(e) };
    }
    try {
      send(reply);
    } catch (e) {
      send({
        t: 'throw',
        error: { name: 'TypeError', message: `the answer cannot be copied to the tests: ${wireError(e).message}` },
      });
    }
  }
}
