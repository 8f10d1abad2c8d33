import fc from 'fast-check';
import { fromBFloat16Bits, fromFloat16Bits } from '../../../server/codecs/float16.js';
import type { Datatype } from '../../../server/types.js';
import { type Corruption, corruption, applyCorruptions } from './corruption.js';
import { element } from './requests.js';

/** Datatypes written here from their values (FP16/BF16 have no exact JS value to start from). */
const BINARY_DATATYPES: readonly Datatype[] = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP32',
  'FP64',
  'BYTES',
];

const WIDTH: Partial<Record<Datatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
  // Never generated; a damaged header may name them (read back in `fromRaw`).
  FP16: 2,
  BF16: 2,
};

/** One input of a binary-extension request: its JSON part and its elements. */
export interface BinaryInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  elements: unknown[];
  /** Sent in the binary part (else as JSON `data` in the header). */
  binary: boolean;
}

/** Little-endian raw bytes of elements, written independently of the server's codec. */
export function rawBytes(datatype: Datatype, elements: readonly unknown[]): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(
      elements.flatMap((e) => {
        const bytes = Buffer.from(String(e), 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(bytes.length);
        return [length, bytes];
      }),
    );
  }
  const width = WIDTH[datatype]!;
  const out = Buffer.alloc(width * elements.length);
  elements.forEach((e, i) => {
    const at = i * width;
    switch (datatype) {
      case 'BOOL':
        out.writeUInt8(e ? 1 : 0, at);
        break;
      case 'UINT8':
        out.writeUInt8(Number(e), at);
        break;
      case 'INT8':
        out.writeInt8(Number(e), at);
        break;
      case 'UINT16':
        out.writeUInt16LE(Number(e), at);
        break;
      case 'INT16':
        out.writeInt16LE(Number(e), at);
        break;
      case 'UINT32':
        out.writeUInt32LE(Number(e), at);
        break;
      case 'INT32':
        out.writeInt32LE(Number(e), at);
        break;
      case 'FP32':
        out.writeFloatLE(floatValue(e), at);
        break;
      case 'FP64':
        out.writeDoubleLE(floatValue(e), at);
        break;
      case 'UINT64':
        out.writeBigUInt64LE(BigInt(e as string), at);
        break;
      case 'INT64':
        out.writeBigInt64LE(BigInt(e as string), at);
        break;
    }
  });
  return out;
}

function floatValue(e: unknown): number {
  return typeof e === 'number' ? e : Number(e === 'NaN' ? Number.NaN : e);
}

const binaryInput = (name: string): fc.Arbitrary<BinaryInput> =>
  fc
    .record({
      datatype: fc.constantFrom(...BINARY_DATATYPES),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      binary: fc.oneof(
        { weight: 4, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
    })
    .chain(({ datatype, shape, binary }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return fc
        .array(element(datatype), { minLength: count, maxLength: count })
        .map((elements) => ({ name, datatype, shape, binary, elements }));
    });

/** A valid binary-extension request for `echo`: up to three inputs, most of them binary. */
export const binaryRequest = fc.record({
  inputs: fc
    .integer({ min: 1, max: 3 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => binaryInput(`in${i}`)))),
  binaryOutput: fc.boolean(),
});

/** Ways to break the framing of a binary-extension request. */
export type FramingDamage =
  | { kind: 'header-length'; delta: number }
  | { kind: 'header-length-text'; text: string }
  | { kind: 'size'; input: number; value: unknown }
  | { kind: 'tail'; bytes: number }
  | { kind: 'json'; corruption: Corruption }
  | { kind: 'encoding'; value: string };

export const framingDamage: fc.Arbitrary<FramingDamage> = fc.oneof(
  fc.record({
    kind: fc.constant('header-length' as const),
    delta: fc.oneof(
      fc.integer({ min: -24, max: 24 }).filter((d) => d !== 0),
      fc.constantFrom(2 ** 31, 1e6),
    ),
  }),
  fc.record({
    kind: fc.constant('header-length-text' as const),
    text: fc.constantFrom('0', '-1', '1.5', 'abc', '', ' 12', '1e3', '0x10', '99999999999999999999'),
  }),
  fc.record({
    kind: fc.constant('size' as const),
    input: fc.nat(),
    value: fc.oneof(
      fc.integer({ min: -3, max: 3 }).map((d) => ({ delta: d })),
      fc.constantFrom<unknown>(-1, 1.5, '12', null, 2 ** 53, 2 ** 32, true, []),
    ),
  }),
  fc.record({
    kind: fc.constant('tail' as const),
    bytes: fc.integer({ min: -9, max: 9 }).filter((d) => d !== 0),
  }),
  fc.record({ kind: fc.constant('json' as const), corruption }),
  fc.record({
    kind: fc.constantFrom('encoding' as const),
    value: fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'identity, gzip'),
  }),
);

/** A framed request: the body, its headers, and whether it is still valid. */
export interface FramedRequest {
  body: Buffer;
  headers: Record<string, string>;
  /** The JSON header as sent, parsed (for the echo check); undefined when damaged past reading. */
  header: Record<string, unknown>;
  valid: boolean;
}

/** Frames a binary request (JSON header, then the blobs), with the damage applied. */
export function frame(
  request: { inputs: BinaryInput[]; binaryOutput: boolean },
  damage: readonly FramingDamage[],
): FramedRequest {
  const blobs: Buffer[] = [];
  const inputs = request.inputs.map((input) => {
    const json: Record<string, unknown> = { name: input.name, datatype: input.datatype, shape: input.shape };
    if (input.binary) {
      const blob = rawBytes(input.datatype, input.elements);
      blobs.push(blob);
      json.parameters = { binary_data_size: blob.length };
    } else {
      json.data = input.elements;
    }
    return json;
  });
  for (const d of damage) {
    if (d.kind !== 'size') continue;
    const binaryOnes = inputs.filter((i) => i.parameters);
    const target = binaryOnes[d.input % Math.max(1, binaryOnes.length)];
    if (!target) continue;
    const size = (target.parameters as { binary_data_size: number }).binary_data_size;
    const value = d.value as { delta?: number };
    (target.parameters as Record<string, unknown>).binary_data_size =
      typeof value === 'object' && value !== null && 'delta' in value ? size + value.delta! : d.value;
  }
  const header: Record<string, unknown> = { inputs };
  if (request.binaryOutput) header.parameters = { binary_data_output: true };
  const corruptions = damage.flatMap((d) => (d.kind === 'json' ? [d.corruption] : []));
  const headerBytes = applyCorruptions(header, corruptions);
  let body = Buffer.concat([headerBytes, ...blobs]);
  let length = String(headerBytes.length);
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  for (const d of damage) {
    if (d.kind === 'header-length') length = String(Math.max(0, headerBytes.length + d.delta));
    else if (d.kind === 'header-length-text') length = d.text;
    else if (d.kind === 'tail')
      body =
        d.bytes > 0
          ? Buffer.concat([body, Buffer.alloc(d.bytes, 7)])
          : body.subarray(0, body.length + d.bytes);
    else if (d.kind === 'encoding') headers['content-encoding'] = d.value;
  }
  headers['inference-header-content-length'] = length;
  const valid = damage.every((d) => d.kind === 'size' && (d.value as { delta?: number })?.delta === 0);
  return { body, headers, header, valid };
}

/**
 * A binary-extension response read back into JSON form: each binary output's blob decoded
 * (little-endian; 64-bit integers as decimal strings, BYTES as UTF-8 strings) into `data`.
 */
export function readBinaryAnswer(bytes: Buffer, headerLength: number): Record<string, unknown> {
  const header = JSON.parse(bytes.subarray(0, headerLength).toString('utf8')) as {
    outputs: {
      datatype: Datatype;
      shape: number[];
      data?: unknown;
      parameters?: { binary_data_size?: number };
    }[];
  };
  let offset = headerLength;
  for (const output of header.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    output.data = fromRaw(output.datatype, bytes.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== bytes.length) throw new Error(`binary answer: ${bytes.length - offset} bytes left over`);
  return header;
}

function fromRaw(datatype: Datatype, raw: Buffer): unknown[] {
  const out: unknown[] = [];
  if (datatype === 'BYTES') {
    for (let at = 0; at < raw.length; ) {
      const length = raw.readUInt32LE(at);
      out.push(raw.subarray(at + 4, at + 4 + length).toString('utf8'));
      at += 4 + length;
    }
    return out;
  }
  const width = WIDTH[datatype]!;
  for (let at = 0; at < raw.length; at += width) {
    switch (datatype) {
      case 'BOOL':
        out.push(raw.readUInt8(at) !== 0);
        break;
      case 'UINT8':
        out.push(raw.readUInt8(at));
        break;
      case 'INT8':
        out.push(raw.readInt8(at));
        break;
      case 'UINT16':
        out.push(raw.readUInt16LE(at));
        break;
      case 'INT16':
        out.push(raw.readInt16LE(at));
        break;
      case 'UINT32':
        out.push(raw.readUInt32LE(at));
        break;
      case 'INT32':
        out.push(raw.readInt32LE(at));
        break;
      case 'FP32':
        out.push(raw.readFloatLE(at));
        break;
      case 'FP64':
        out.push(raw.readDoubleLE(at));
        break;
      case 'FP16':
        out.push(fromFloat16Bits(raw.readUInt16LE(at)));
        break;
      case 'BF16':
        out.push(fromBFloat16Bits(raw.readUInt16LE(at)));
        break;
      case 'UINT64':
        out.push(raw.readBigUInt64LE(at).toString());
        break;
      case 'INT64':
        out.push(raw.readBigInt64LE(at).toString());
        break;
    }
  }
  return out;
}

/** The request as the echo must read it: every input with its elements as JSON `data`. */
export function asJsonRequest(request: { inputs: BinaryInput[] }): Record<string, unknown> {
  return {
    inputs: request.inputs.map(({ name, datatype, shape, elements }) => ({
      name,
      datatype,
      shape,
      data: elements,
    })),
  };
}
