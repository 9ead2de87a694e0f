/**
 * A minimal writer for ONNX models (the `onnx.proto` messages ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto), and `OnnxGraph`, a builder that names every intermediate value.
 *
 * Why our own writer and not protobufjs / onnx-proto: we only ever *write* a handful of message types, and
 * protobuf's wire format for them is a few lines (varints and length-prefixed fields). Each message is kept as a
 * list of byte chunks, never concatenated, so a model's weights are not copied before they reach the file
 * (`writeBytesAtomic` writes the chunks). Field numbers are those of onnx/onnx.proto (proto2: repeated scalars
 * unpacked, which every reader accepts).
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */

type Chunks = Uint8Array[];

const size = (c: Chunks) => c.reduce((s, x) => s + x.byteLength, 0);

function varint(v: number | bigint): Uint8Array {
  let n = BigInt.asUintN(64, BigInt(v)); // negative int64 → ten bytes of two's complement, as protobuf does
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Uint8Array.from(out);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);

/** The protobuf fields we need: varint, 32-bit float, bytes/strings, nested messages. */
const pb = {
  int: (field: number, v: number | bigint): Chunks => [key(field, 0), varint(v)],
  f32: (field: number, v: number): Chunks => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return [key(field, 5), b];
  },
  bytes: (field: number, b: Uint8Array): Chunks => [key(field, 2), varint(b.byteLength), b],
  str: (field: number, s: string): Chunks => pb.bytes(field, new TextEncoder().encode(s)),
  msg: (field: number, body: Chunks): Chunks => [key(field, 2), varint(size(body)), ...body],
};

/** ONNX `TensorProto.DataType` values used here. */
export const ONNX_DTYPE = { FLOAT: 1, INT64: 7 } as const;
export type OnnxDType = (typeof ONNX_DTYPE)[keyof typeof ONNX_DTYPE];

/** A node attribute: `{ i }` int, `{ f }` float, `{ ints }` int list (ONNX's AttributeType 2, 1, 7). */
export type OnnxAttr = { i: number } | { f: number } | { ints: number[] };

function attribute(name: string, a: OnnxAttr): Chunks {
  const body = pb.str(1, name);
  if ('i' in a) body.push(...pb.int(3, a.i), ...pb.int(20, 2));
  else if ('f' in a) body.push(...pb.f32(2, a.f), ...pb.int(20, 1));
  else {
    for (const v of a.ints) body.push(...pb.int(8, v));
    body.push(...pb.int(20, 7));
  }
  return body;
}

function tensor(name: string, data: Float32Array | BigInt64Array, dims: number[]): Chunks {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`ONNX initializer ${name}: ${data.length} values for shape [${dims}]`);
  const body: Chunks = [];
  for (const d of dims) body.push(...pb.int(1, d));
  body.push(...pb.int(2, data instanceof Float32Array ? ONNX_DTYPE.FLOAT : ONNX_DTYPE.INT64), ...pb.str(8, name));
  // raw_data is little-endian, as typed arrays are on every platform Node runs on (x64, arm64).
  body.push(...pb.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  return body;
}

/** A graph input or output: element type and dims (a string is a symbolic dim such as 'batch_size'). */
function valueInfo(name: string, elem: OnnxDType, dims: (number | string)[]): Chunks {
  const shape: Chunks = [];
  for (const d of dims) shape.push(...pb.msg(1, typeof d === 'number' ? pb.int(1, d) : pb.str(2, d)));
  const tensorType = [...pb.int(1, elem), ...pb.msg(2, shape)];
  return [...pb.str(1, name), ...pb.msg(2, pb.msg(1, tensorType))];
}

/**
 * Builds one graph: `op` adds a node and returns its output's name; `init` adds a weight; `f32`/`i64` add
 * (cached) constants. `encode` gives the ModelProto's chunks.
 */
export class OnnxGraph {
  private nodes: Chunks[] = [];
  private inits: Chunks[] = [];
  private inputs: Chunks[] = [];
  private outputs: Chunks[] = [];
  private consts = new Map<string, string>();
  private count = 0;

  /** Adds a node `op(inputs)`; its single output is named `out` or a fresh name. */
  op(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, out?: string): string {
    const o = out ?? `${op}_${this.count}`;
    const body: Chunks = [];
    for (const x of inputs) body.push(...pb.str(1, x));
    body.push(...pb.str(2, o), ...pb.str(3, `${op}_${this.count++}`), ...pb.str(4, op));
    for (const [k, a] of Object.entries(attrs)) body.push(...pb.msg(5, attribute(k, a)));
    this.nodes.push(body);
    return o;
  }

  /** A weight (initializer) named `name` (the state-dict name, so a reader of the file can tell what it is). */
  init(name: string, data: Float32Array | BigInt64Array, dims: number[]): string {
    this.inits.push(tensor(name, data, dims));
    return name;
  }

  /** A float32 constant (a scalar unless `dims` say otherwise), shared between nodes that use the same value. */
  f32(v: number): string {
    return this.constant(`f32:${v}`, () => Float32Array.of(v), []);
  }
  /** An int64 constant: a scalar for a number, a 1-D tensor for a list. */
  i64(v: number | number[]): string {
    const list = Array.isArray(v);
    return this.constant(
      `i64:${list ? `[${v}]` : v}`,
      () => BigInt64Array.from((list ? v : [v]).map(BigInt)),
      list ? [v.length] : [],
    );
  }
  private constant(k: string, make: () => Float32Array | BigInt64Array, dims: number[]): string {
    let name = this.consts.get(k);
    if (!name) {
      name = `const_${this.consts.size}`;
      this.init(name, make(), dims);
      this.consts.set(k, name);
    }
    return name;
  }

  input(name: string, elem: OnnxDType, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }
  output(name: string, elem: OnnxDType, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** The ModelProto: IR version 7 with the default domain at `opset` (13 here: ONNX 1.8, onnxruntime ≥ 1.6). */
  encode(o: { name: string; opset: number; producer: string; version: string; doc?: string }): Chunks {
    const graph: Chunks = [];
    for (const n of this.nodes) graph.push(...pb.msg(1, n));
    graph.push(...pb.str(2, o.name));
    for (const t of this.inits) graph.push(...pb.msg(5, t));
    if (o.doc) graph.push(...pb.str(10, o.doc));
    for (const v of this.inputs) graph.push(...pb.msg(11, v));
    for (const v of this.outputs) graph.push(...pb.msg(12, v));
    return [
      ...pb.int(1, 7),
      ...pb.str(2, o.producer),
      ...pb.str(3, o.version),
      ...pb.msg(7, graph),
      ...pb.msg(8, [...pb.str(1, ''), ...pb.int(2, o.opset)]),
    ];
  }
}
