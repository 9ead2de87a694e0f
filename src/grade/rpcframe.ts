/**
 * Frames between an exercise's two processes (src/grade/isolate.ts): the test host, which never runs student code,
 * and the exercise host, which runs nothing else. A frame is a 4-byte length and a V8 structured-clone body, read and
 * written with blocking calls on named pipes, so a test's call of a student function is an ordinary synchronous call
 * and only plain data crosses (no functions, proxies, getters or prototypes: what arrives is built by the reader).
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';

/** A frame larger than this ends the exchange (a student value that big is not a test's answer). */
export const MAX_FRAME = 64 * 2 ** 20;

function writeAll(fd: number, b: Buffer): void {
  for (let off = 0; off < b.length;) off += fs.writeSync(fd, b, off, b.length - off);
}
/** Reads exactly n bytes; null at the end of the stream before the first byte. */
function readExact(fd: number, n: number): Buffer | null {
  const b = Buffer.alloc(n);
  for (let off = 0; off < n;) {
    const k = fs.readSync(fd, b, off, n - off, null);
    if (k === 0) {
      if (off === 0) return null;
      throw new Error('the other process closed the channel in the middle of a message');
    }
    off += k;
  }
  return b;
}

/** Writes one value; throws (DataCloneError) when it cannot be copied, e.g. a function or a Proxy. */
export function writeFrame(fd: number, value: unknown): void {
  const body = v8.serialize(value);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  writeAll(fd, Buffer.concat([head, body]));
}

/** Reads one value; null when the other side closed the channel (it exited or crashed). */
export function readFrame(fd: number): unknown {
  const head = readExact(fd, 4);
  if (!head) return null;
  const n = head.readUInt32LE(0);
  if (n > MAX_FRAME) throw new Error(`a message of ${n} bytes (more than ${MAX_FRAME})`);
  const body = readExact(fd, n);
  if (!body) throw new Error('the other process closed the channel in the middle of a message');
  return v8.deserialize(body);
}

/**
 * The message types. `call`/`ret`/`throw` answer a test's call; `cb`/`cbret`/`cbthrow` a student's call of a test's
 * callback.
 */
export type Msg =
  | { t: 'load'; code: string; names: string[]; dir: string; kit: string }
  | { t: 'loaded'; ok: boolean; error?: WireError; kinds: Record<string, 'function' | 'value'>; values: unknown[] }
  | { t: 'call'; name: string; args: unknown[] }
  | { t: 'ret'; value: unknown; args: unknown[] }
  | { t: 'throw'; error: WireError }
  | { t: 'cb'; fn: number; args: unknown[] }
  | { t: 'cbret'; value: unknown }
  | { t: 'cbthrow'; error: WireError };
export interface WireError {
  name: string;
  message: string;
}
/** A function argument on the wire: the index of the callback the other side keeps. */
export interface FnRef {
  __haiFn: number;
}
export const isFnRef = (x: unknown): x is FnRef =>
  typeof x === 'object' && x !== null && typeof (x as FnRef).__haiFn === 'number';
