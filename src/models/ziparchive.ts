/**
 * The zip container of torch ≥ 1.6 checkpoints (`pytorch_model.bin` as `<archive>/data.pkl` plus one entry per
 * storage), read without a zip package: only what torch.save writes (stored or deflated entries, ZIP64 for files
 * over 4 GiB). The pickle inside is read in src/models/checkpoint.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as zlib from 'node:zlib';
import { fail } from './safetensors';

/** The entries of a zip archive by name; stored entries are views into `buf`, deflated ones are inflated. */
export function readZip(buf: Buffer, file: string): Map<string, () => Uint8Array> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0)
    fail(
      file,
      'truncated or corrupted: no zip end-of-central-directory record in its ' +
        `${buf.length} bytes (a torch zip checkpoint ends with one)`,
    );
  let count = buf.readUInt16LE(eocd + 10),
    cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // ZIP64: the locator sits just before the EOCD
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) fail(file, 'corrupted zip: ZIP64 locator missing');
    const z = Number(buf.readBigUInt64LE(loc + 8));
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== 0x06064b50)
      fail(file, 'corrupted zip: ZIP64 end record missing');
    count = Number(buf.readBigUInt64LE(z + 32));
    cdOffset = Number(buf.readBigUInt64LE(z + 48));
  }
  const out = new Map<string, () => Uint8Array>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50)
      fail(file, `corrupted zip: central directory entry ${k} is damaged`);
    const method = buf.readUInt16LE(p + 10);
    let csize = buf.readUInt32LE(p + 20),
      usize = buf.readUInt32LE(p + 24),
      offset = buf.readUInt32LE(p + 42);
    const nameLen = buf.readUInt16LE(p + 28),
      extraLen = buf.readUInt16LE(p + 30),
      commentLen = buf.readUInt16LE(p + 32);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      // ZIP64 sizes and offset
      const id = buf.readUInt16LE(e),
        size = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) {
          usize = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (csize === 0xffffffff) {
          csize = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (offset === 0xffffffff) offset = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + size;
    }
    p += 46 + nameLen + extraLen + commentLen;
    out.set(name, () => {
      if (offset + 30 > buf.length || buf.readUInt32LE(offset) !== 0x04034b50)
        fail(file, `corrupted zip: local header of '${name}' is damaged`);
      const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
      if (start + csize > buf.length)
        fail(
          file,
          `truncated: zip entry '${name}' needs ${csize} bytes, ` +
            `the file ends ${start + csize - buf.length} bytes early`,
        );
      const raw = buf.subarray(start, start + csize);
      if (method === 0) return raw;
      if (method === 8) return zlib.inflateRawSync(raw);
      return fail(
        file,
        `zip entry '${name}' uses compression method ${method} (only stored and deflate are supported)`,
      );
    });
  }
  return out;
}
