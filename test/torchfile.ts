/**
 * Test helper: writes `pytorch_model.bin` files the way `torch.save` does, in the zip format (torch ≥ 1.6)
 * and the legacy one, so the readers in src/models/checkpoint.ts are tested without Python. The pickle stream is
 * the one torch 1.13 emits for a state dict (protocol 2, OrderedDict of `_rebuild_tensor_v2` calls with
 * persistent storage ids); test/models.test.ts has Python's torch.load read these files back when it can.
 */
import * as fs from 'node:fs';

export interface TorchTensorSpec {
  shape: number[];
  data: Float32Array | BigInt64Array;
}

class Pickle {
  private parts: Buffer[] = [];
  op(...bytes: number[]) {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    this.parts.push(Buffer.from([0x58]), n, b);
    return this;
  }
  int(v: number) {
    const b = Buffer.alloc(5);
    b[0] = 0x4a;
    b.writeInt32LE(v, 1);
    this.parts.push(b);
    return this;
  }
  global(mod: string, name: string) {
    this.parts.push(Buffer.from(`c${mod}\n${name}\n`, 'latin1'));
    return this;
  }
  tuple(xs: number[]) {
    this.op(0x28);
    xs.forEach((x) => this.int(x));
    return this.op(0x74);
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}
const MARK = 0x28,
  TUPLE = 0x74,
  REDUCE = 0x52,
  EMPTY_TUPLE = 0x29,
  SETITEMS = 0x75,
  STOP = 0x2e,
  BINPERSID = 0x51,
  NEWFALSE = 0x89,
  NONE = 0x4e;

function statePickle(
  tensors: Map<string, TorchTensorSpec>,
  legacy: boolean,
): { pkl: Buffer; storages: [string, Buffer, number][] } {
  const p = new Pickle().op(0x80, 2).global('collections', 'OrderedDict').op(EMPTY_TUPLE, REDUCE, MARK);
  const storages: [string, Buffer, number][] = [];
  let k = 0;
  for (const [name, t] of tensors) {
    const key = legacy ? String(100000 + k++) : String(k++);
    const n = t.shape.reduce((a, b) => a * b, 1);
    const long = t.data instanceof BigInt64Array;
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    p.str(name).global('torch._utils', '_rebuild_tensor_v2').op(MARK);
    p.op(MARK)
      .str('storage')
      .global('torch', long ? 'LongStorage' : 'FloatStorage')
      .str(key)
      .str('cpu')
      .int(n);
    if (legacy) p.op(NONE); // view_metadata
    p.op(TUPLE, BINPERSID)
      .int(0)
      .tuple(t.shape)
      .tuple(stride)
      .op(NEWFALSE)
      .global('collections', 'OrderedDict')
      .op(EMPTY_TUPLE, REDUCE, TUPLE, REDUCE);
    storages.push([key, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), n]);
  }
  return { pkl: p.op(SETITEMS, STOP).bytes(), storages };
}

const CRC = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
})();

/** A stored (uncompressed) zip archive, as PyTorch's writer makes. */
export function zipStored(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [],
    central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nm = Buffer.from(name, 'utf8'),
      crc = CRC(data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nm.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nm.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(h, nm, data);
    central.push(c, nm);
    offset += 30 + nm.length + data.length;
  }
  const cd = Buffer.concat(central),
    end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** `torch.save(state_dict, file)` (zip) or with `_use_new_zipfile_serialization=False` (legacy). */
export function writeTorchBin(file: string, tensors: Map<string, TorchTensorSpec>, format: 'zip' | 'legacy'): void {
  const { pkl, storages } = statePickle(tensors, format === 'legacy');
  if (format === 'zip') {
    fs.writeFileSync(
      file,
      zipStored([
        ['archive/data.pkl', pkl],
        ...storages.map(([k, b]) => [`archive/data/${k}`, b] as [string, Buffer]),
        ['archive/version', Buffer.from('3\n')],
      ]),
    );
    return;
  }
  const magic = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  const version = Buffer.from([0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e]);
  const sys = new Pickle()
    .op(0x80, 2, 0x7d, MARK)
    .str('protocol_version')
    .op(0x4d, 0xe9, 0x03)
    .str('little_endian')
    .op(0x88)
    .str('type_sizes')
    .op(0x7d, MARK)
    .str('short')
    .op(0x4b, 2)
    .str('int')
    .op(0x4b, 4)
    .str('long')
    .op(0x4b, 4)
    .op(SETITEMS, SETITEMS, STOP)
    .bytes();
  const keys = new Pickle().op(0x80, 2, 0x5d, MARK);
  for (const [k] of storages) keys.str(k);
  const parts = [magic, version, sys, pkl, keys.op(0x65, STOP).bytes()];
  for (const [, b, n] of storages) {
    const len = Buffer.alloc(8);
    len.writeBigInt64LE(BigInt(n));
    parts.push(len, b);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}
