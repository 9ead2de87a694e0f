/**
 * safetensors, the format `save_pretrained` writes (`model.safetensors`): read, checked and written here. Its
 * dtype names (F32, BF16, I64, ...) are the dtype vocabulary of every checkpoint reader, so this module also
 * holds what they share: `DType`, the float32 decoder, and `StateDict`, the name → tensor map a reader returns.
 * It sits below src/models/checkpoint.ts (the pytorch_model.bin reader and `readCheckpoint`), which re-exports all
 * of it: import from './checkpoint'. It imports nothing from there, so there is no import cycle.
 *
 * Introduced in notebooks/03_baseline.ipynb (loading); writing, in notebooks/06_inference.ipynb (`save_pretrained`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type DType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
export const DTYPE_SIZE: Record<DType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
export const isFloat = (d: DType) => d === 'F32' || d === 'F16' || d === 'BF16' || d === 'F64';

export interface TensorEntry {
  dtype: DType;
  shape: number[];
  /** Values as float32 (row-major), decoded on demand. */ read(): Float32Array;
}
export type CheckpointFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy';
export interface StateDict {
  file: string;
  format: CheckpointFormat;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

// Shared with the pytorch_model.bin reader in src/models/checkpoint.ts; not re-exported from there, so not library API.
export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
export const fail = (file: string, msg: string): never => {
  throw new Error(`${file}: ${msg}`);
};

/** Little-endian bytes of `count` elements → float32. Copies first, so an odd byte offset is fine. */
export function decodeFloat32(bytes: Uint8Array, dtype: DType, count: number): Float32Array {
  const n = count * DTYPE_SIZE[dtype];
  const buf = new Uint8Array(n);
  buf.set(bytes.subarray(0, n));
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf.buffer);
    case 'F64': {
      const d = new Float64Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = d[i];
      return out;
    }
    case 'BF16': {
      const u = new Uint16Array(buf.buffer),
        w = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) w[i] = u[i] << 16;
      return out;
    }
    case 'F16': {
      const u = new Uint16Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(u[i]);
      return out;
    }
    case 'I64': {
      const d = new BigInt64Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = Number(d[i]);
      return out;
    }
    case 'I32': {
      const d = new Int32Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = d[i];
      return out;
    }
    case 'I16': {
      const d = new Int16Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = d[i];
      return out;
    }
    case 'I8': {
      const d = new Int8Array(buf.buffer);
      for (let i = 0; i < count; i++) out[i] = d[i];
      return out;
    }
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = buf[i];
      return out;
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// ---- safetensors ---------------------------------------------------------------------------------------

const ST_DTYPES = new Set<string>(Object.keys(DTYPE_SIZE));

/** Reads and checks a safetensors file: 8-byte header length, JSON header, contiguous tensor data. */
export function readSafetensors(file: string): StateDict {
  const buf = fs.readFileSync(file);
  if (buf.length < 8)
    fail(file, `truncated: ${buf.length} bytes, not even the 8-byte header length of a safetensors file`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > 100_000_000) fail(file, `not a safetensors file: header length ${n} is implausible (corrupted?)`);
  if (8 + n > buf.length)
    fail(file, `truncated: the header says ${n} bytes of JSON but the file has ${buf.length - 8} after the length`);
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch (e) {
    return fail(file, `corrupted safetensors header (not JSON): ${(e as Error).message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    fail(file, 'corrupted safetensors header (not a JSON object)');
  const data = buf.subarray(8 + n);
  const { __metadata__: metadata = {}, ...entries } = header as Record<string, any>;
  const tensors = new Map<string, TensorEntry>();
  const spans: [number, number, string][] = [];
  for (const [name, e] of Object.entries(entries)) {
    const where = `tensor '${name}'`;
    if (!e || !ST_DTYPES.has(e.dtype)) fail(file, `${where} has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0))
      fail(file, `${where} has a bad shape ${JSON.stringify(e.shape)}`);
    const [b, end] = e.data_offsets ?? [];
    if (!Number.isInteger(b) || !Number.isInteger(end) || b > end)
      fail(file, `${where} has bad data_offsets ${JSON.stringify(e.data_offsets)}`);
    const dtype = e.dtype as DType,
      shape = e.shape as number[],
      count = numel(shape);
    if (end - b !== count * DTYPE_SIZE[dtype])
      fail(
        file,
        `${where}: shape [${shape}] ${dtype} needs ${count * DTYPE_SIZE[dtype]} bytes but data_offsets span ${end - b}`,
      );
    if (end > data.length)
      fail(file, `truncated: ${where} ends at byte ${end} of the data but the file holds ${data.length}`);
    spans.push([b, end, name]);
    tensors.set(name, { dtype, shape, read: () => decodeFloat32(data.subarray(b, end), dtype, count) });
  }
  spans.sort((x, y) => x[0] - y[0]);
  let at = 0;
  for (const [b, end, name] of spans) {
    if (b !== at)
      fail(file, `corrupted: tensor '${name}' starts at byte ${b} of the data, expected ${at} (gap or overlap)`);
    at = end;
  }
  if (at !== data.length) fail(file, `corrupted: ${data.length - at} bytes after the last tensor's data`);
  return { file, format: 'safetensors', tensors, metadata };
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

/**
 * Writes float32 tensors as safetensors, with `{"format": "pt"}` metadata (Python's `from_pretrained`
 * refuses files without it), header padded with spaces to 8 bytes, tensors sorted by name. Atomic:
 * a temporary file in the same folder, renamed over the target only when complete.
 */
export function writeSafetensors(
  file: string,
  tensors: Map<string, TensorToWrite>,
  metadata: Record<string, string> = { format: 'pt' },
): void {
  if (os.endianness() !== 'LE') throw new Error('writing safetensors needs a little-endian machine');
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let at = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.data.length !== numel(t.shape))
      throw new Error(`${file}: tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + t.data.byteLength] };
    at += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeBytesAtomic(file, [
    len,
    Buffer.from(json, 'utf8'),
    ...names.map((n) => {
      const d = tensors.get(n)!.data;
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    }),
  ]);
}

/** `writeFileAtomic` (src/data/aihub.ts) for binary data given in chunks, so a large model is never one buffer. */
export function writeBytesAtomic(file: string, chunks: Uint8Array[]): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const c of chunks) fs.writeSync(fd, c);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
