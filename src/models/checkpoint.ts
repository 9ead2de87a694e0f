/**
 * Checkpoint files without Python: `pytorch_model.bin` in both of PyTorch's formats, the zip archive of
 * torch ≥ 1.6 and the legacy stream older hub checkpoints (KoELECTRA, 2020) still use, and `readCheckpoint`,
 * which picks the reader for a file. The pickle stream is parsed by the `pickleparser` package; the containers
 * around it (zip directory, legacy magic / storage records) are walked here. safetensors (read and write),
 * `DType` and `StateDict` live in src/models/safetensors.ts and are re-exported below, so './checkpoint' stays the
 * one import for checkpoint files. The zip container is walked in src/models/ziparchive.ts.
 *
 * A checkpoint is read into a `StateDict`: name → dtype, shape and a decoder to float32, so int64 buffers
 * (`*.position_ids`) are listed but never decoded. Every error names the file and, where there is one, the tensor.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import { BufferReader, NameRegistry, Parser } from 'pickleparser';
import {
  CheckpointFormat,
  DType,
  DTYPE_SIZE,
  StateDict,
  TensorEntry,
  decodeFloat32,
  fail,
  numel,
  readSafetensors,
} from './safetensors';
import { readZip } from './ziparchive';

export { DTYPE_SIZE, decodeFloat32, isFloat, readSafetensors, writeBytesAtomic, writeSafetensors } from './safetensors';
export type { CheckpointFormat, DType, StateDict, TensorEntry, TensorToWrite } from './safetensors';

// ---- pytorch_model.bin ---------------------------------------------------------------------------------

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UntypedStorage: 'U8',
};
const TORCH_DTYPES: Record<string, DType> = {
  float32: 'F32',
  float: 'F32',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  double: 'F64',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

interface Storage {
  key: string;
  dtype: DType;
  numel: number;
  bytes?: Uint8Array;
  viewOffset: number;
}
class TorchTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly dtype: DType,
  ) {}
}

function torchParser(file: string, storages: Map<string, Storage>): Parser {
  const reg = new NameRegistry();
  const tensor = (s: Storage, offset: number, size: number[], stride: number[], dtype?: DType) =>
    new TorchTensor(s, offset, [...size], [...stride], dtype ?? s.dtype);
  reg.register('collections', 'OrderedDict', (items?: [unknown, unknown][]) => new Map(items ?? []));
  reg.register('torch._utils', '_rebuild_tensor', (s: Storage, o: number, size: number[], stride: number[]) =>
    tensor(s, o, size, stride),
  );
  reg.register('torch._utils', '_rebuild_tensor_v2', (s: Storage, o: number, size: number[], stride: number[]) =>
    tensor(s, o, size, stride),
  );
  reg.register(
    'torch._utils',
    '_rebuild_tensor_v3',
    (s: Storage, o: number, size: number[], stride: number[], _rg: unknown, _h: unknown, dt: { dtype?: DType }) =>
      tensor(s, o, size, stride, dt?.dtype),
  );
  reg.register('torch._utils', '_rebuild_parameter', (data: unknown) => data);
  reg.register('torch._utils', '_rebuild_parameter_with_state', (data: unknown) => data);
  reg.register(
    'torch._tensor',
    '_rebuild_from_type_v2',
    (fn: (...a: unknown[]) => unknown, _t: unknown, args: unknown[]) => fn(...args),
  );
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES))
    reg.register(
      'torch',
      name,
      Object.assign(() => null, { dtype }),
    );
  for (const [name, dtype] of Object.entries(TORCH_DTYPES))
    reg.register(
      'torch',
      name,
      Object.assign(() => null, { dtype }),
    );
  return new Parser({
    nameResolver: reg,
    unpicklingTypeOfDictionary: 'Map',
    persistentResolver: {
      resolve: (pid: unknown) => {
        // zip: ('storage', storage_type, key, location, numel); legacy adds view_metadata (view_key, offset, size).
        if (!Array.isArray(pid) || pid[0] !== 'storage')
          fail(file, `unsupported persistent id ${JSON.stringify(pid)} in the pickle stream`);
        const [, type, key, , n, view] = pid as [
          string,
          { dtype?: DType },
          string,
          string,
          number,
          [string, number, number] | null,
        ];
        if (!type?.dtype) fail(file, `storage '${key}' has an unknown storage type`);
        if (!storages.has(String(key)))
          storages.set(String(key), { key: String(key), dtype: type.dtype!, numel: Number(n), viewOffset: 0 });
        const root = storages.get(String(key))!;
        if (Array.isArray(view) && view.length === 3)
          return { ...root, viewOffset: Number(view[1]), numel: Number(view[2]), root } as Storage;
        return root;
      },
    },
  });
}

/** Reads pytorch_model.bin in either format; the format is told by the first bytes, not the name. */
export function readTorchBin(file: string): StateDict {
  const buf = fs.readFileSync(file);
  if (buf.length < 4) fail(file, `truncated: ${buf.length} bytes`);
  const storages = new Map<string, Storage>();
  const parser = torchParser(file, storages);
  let obj: unknown, format: CheckpointFormat;
  const parse = (reader: BufferReader, what: string) => {
    try {
      return parser.read(reader);
    } catch (e) {
      const msg = (e as Error).message;
      const hint = /end of file|more bytes|end of line/i.test(msg) ? ' (truncated?)' : '';
      return fail(file, `cannot read the pickle stream (${what}): ${msg}${hint}`);
    }
  };
  if (buf.readUInt32LE(0) === 0x04034b50) {
    format = 'pytorch-zip';
    const zip = readZip(buf, file);
    const pkl = [...zip.keys()].find((k) => /^[^/]+\/data\.pkl$/.test(k));
    if (!pkl)
      return fail(
        file,
        `not a PyTorch zip checkpoint: no <archive>/data.pkl (entries: ${[...zip.keys()].slice(0, 5).join(', ')})`,
      );
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const order = zip.get(`${prefix}byteorder`);
    if (order && Buffer.from(order()).toString().trim() !== 'little')
      fail(file, 'big-endian checkpoints are not supported');
    obj = parse(new BufferReader(zip.get(pkl)!()), pkl);
    for (const s of storages.values()) {
      const entry = zip.get(`${prefix}data/${s.key}`);
      if (entry) s.bytes = entry();
    }
  } else {
    format = 'pytorch-legacy';
    // The magic number is an 80-bit int that pickleparser cannot hold: check its bytes (after PROTO 2).
    const magic = Buffer.from([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    const start = buf[0] === 0x80 ? 2 : 0;
    if (!buf.subarray(start, start + magic.length).equals(magic))
      fail(file, 'not a PyTorch checkpoint: neither a zip archive nor the legacy format (bad magic number)');
    const reader = new BufferReader(buf);
    reader.skip(start + magic.length);
    const version = parse(reader, 'protocol version');
    if (version !== 1001) fail(file, `unsupported legacy protocol version ${String(version)}`);
    const sys = parse(reader, 'sys_info') as Map<string, unknown>;
    if (sys instanceof Map && sys.get('little_endian') === false)
      fail(file, 'big-endian checkpoints are not supported');
    obj = parse(reader, 'state dict');
    const keys = parse(reader, 'storage keys') as string[];
    const owners = (key: string) => {
      const names =
        obj instanceof Map
          ? [...obj].filter(([, t]) => t instanceof TorchTensor && t.storage.key === key).map(([k]) => `'${k}'`)
          : [];
      return names.length ? ` (tensor ${names.join(', ')})` : '';
    };
    let at = reader.position;
    for (const key of keys) {
      const s = storages.get(String(key));
      if (!s) fail(file, `corrupted: storage '${key}' is listed but no tensor uses it`);
      if (at + 8 > buf.length)
        fail(file, `truncated: storage '${key}'${owners(key)} is missing (file ends at byte ${buf.length})`);
      const n = Number(buf.readBigInt64LE(at));
      const size = n * DTYPE_SIZE[s!.dtype];
      if (n < 0 || at + 8 + size > buf.length)
        fail(
          file,
          `truncated: storage '${key}'${owners(key)} needs ${size} bytes, ` +
            `the file ends ${at + 8 + size - buf.length} bytes early`,
        );
      s!.bytes = buf.subarray(at + 8, at + 8 + size);
      at += 8 + size;
    }
  }
  if (!(obj instanceof Map)) fail(file, 'the checkpoint is not a state dict (expected an OrderedDict of tensors)');
  const tensors = new Map<string, TensorEntry>();
  for (const [name, t] of obj as Map<string, unknown>) {
    if (!(t instanceof TorchTensor)) {
      if (name === '_metadata') continue;
      fail(file, `entry '${name}' is not a tensor`);
    }
    const tt = t as TorchTensor;
    tensors.set(String(name), {
      dtype: tt.dtype,
      shape: tt.shape,
      read: () => readTorchTensor(file, String(name), tt),
    });
  }
  return { file, format, tensors, metadata: {} };
}

/** Gathers a (possibly strided, e.g. transposed or tied) tensor out of its storage. */
function readTorchTensor(file: string, name: string, t: TorchTensor): Float32Array {
  const s = t.storage as Storage & { root?: Storage };
  const bytes = s.bytes ?? s.root?.bytes;
  if (!bytes) return fail(file, `truncated or corrupted: the data of tensor '${name}' (storage '${s.key}') is missing`);
  const size = DTYPE_SIZE[t.dtype],
    count = numel(t.shape);
  const base = s.viewOffset + t.offset;
  let span = 1;
  t.shape.forEach((d, i) => {
    if (d > 0) span += (d - 1) * t.stride[i];
  });
  if (count === 0) return new Float32Array(0);
  if ((base + span) * size > bytes.length)
    fail(
      file,
      `tensor '${name}' reaches element ${base + span} of storage '${s.key}', which holds ${bytes.length / size}`,
    );
  const flat = decodeFloat32(bytes.subarray(base * size), t.dtype, span);
  const contiguous = t.shape.every((_, i) => t.stride[i] === numel(t.shape.slice(i + 1)) || t.shape[i] === 1);
  if (contiguous) return flat.length === count ? flat : flat.slice(0, count);
  const out = new Float32Array(count),
    idx = new Array(t.shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    let off = 0;
    for (let i = 0; i < idx.length; i++) off += idx[i] * t.stride[i];
    out[k] = flat[off];
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < t.shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Any supported checkpoint file: `.safetensors` by name, the rest by content. */
export function readCheckpoint(file: string): StateDict {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  if (file.endsWith('.safetensors')) return readSafetensors(file);
  if (/\.(h5|msgpack|ckpt|index)$/.test(file))
    fail(file, 'TensorFlow/Flax checkpoints are not supported: use model.safetensors or pytorch_model.bin');
  return readTorchBin(file);
}
