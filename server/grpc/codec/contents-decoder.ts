import { DATATYPE_INFO } from '../../codecs/datatypes.js';
import { InvalidInputError } from '../../errors.js';
import type { Datatype, TensorData } from '../../types.js';
import { DATATYPES } from '../../types.js';
import { I32, I64, LEN, VARINT, type WireReader } from './wire-reader.js';

/**
 * Where an `InferTensorContents`' elements are in the message: for each field number (1 bool …
 * 8 bytes), the byte ranges `[start, end, start, end, …]` holding its elements packed (one range
 * per packed record, or per element when a writer did not pack). Nothing is decoded until the
 * datatype is known.
 */
export type ContentsRanges = (number[] | undefined)[];

/** The field names, by number, for messages. */
const FIELD_NAMES = [
  '',
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
] as const;

/** The wire type of one unpacked element of fields 1–7. */
const ELEMENT_WIRE_TYPE = [-1, VARINT, VARINT, VARINT, VARINT, VARINT, I32, I64];

/** The contents field number of each datatype (FP16/BF16 have none: raw only). */
const FIELD_OF: Readonly<Record<Datatype, number>> = {
  BOOL: 1,
  INT8: 2,
  INT16: 2,
  INT32: 2,
  INT64: 3,
  UINT8: 4,
  UINT16: 4,
  UINT32: 4,
  UINT64: 5,
  FP16: 0,
  BF16: 0,
  FP32: 6,
  FP64: 7,
  BYTES: 8,
};

/** Reads an `InferTensorContents` message (up to `stop`) into element ranges. */
export function readContents(reader: WireReader, stop: number): ContentsRanges {
  const ranges: ContentsRanges = new Array(9);
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 8) {
      reader.skip(wireType);
      continue;
    }
    let list = ranges[field];
    if (!list) {
      list = [];
      ranges[field] = list;
    }
    if (wireType === LEN) {
      const end = reader.delimited();
      list.push(reader.pos, end);
      reader.pos = end;
    } else if (field < 8 && wireType === ELEMENT_WIRE_TYPE[field]) {
      const start = reader.pos;
      if (wireType === VARINT) reader.varint32();
      else reader.fixed(wireType === I32 ? 4 : 8);
      list.push(start, reader.pos);
    } else {
      throw reader.malformed(`${FIELD_NAMES[field]} has wire type ${wireType}`);
    }
  }
  reader.end = saved;
  return ranges;
}

/** Whether a field holds any element (a BYTES element may be empty and still counts). */
function holdsElements(field: number, list: number[] | undefined): boolean {
  if (!list) return false;
  if (field === 8) return list.length > 0;
  for (let i = 0; i < list.length; i += 2) if (list[i + 1]! > list[i]!) return true;
  return false;
}

/** Whether any contents field holds an element (a raw request must have none). */
export function holdsAnyElement(ranges: ContentsRanges | undefined): boolean {
  if (!ranges) return false;
  for (let field = 1; field <= 8; field++) if (holdsElements(field, ranges[field])) return true;
  return false;
}

/**
 * A request tensor's typed contents as the core's data, with the proto-loader path's rules and
 * messages: elements of the datatype's field only; numbers in the datatype's typed array
 * (FP32/FP64 viewed in place when aligned; 64-bit exactly, without bigint arithmetic); BOOL a
 * list of booleans; BYTES a list of views. An unknown datatype yields an empty list (core
 * validation then names it).
 */
export function contentsData(
  label: string,
  datatype: unknown,
  ranges: ContentsRanges | undefined,
  reader: WireReader,
): TensorData {
  if (!(DATATYPES as readonly unknown[]).includes(datatype)) return [];
  const dt = datatype as Datatype;
  const expected = FIELD_OF[dt];
  for (let field = 1; field <= 8; field++) {
    if (field !== expected && holdsElements(field, ranges?.[field])) {
      const where = expected
        ? `${dt} elements go in ${FIELD_NAMES[expected]}`
        : `${dt} travels only in raw_input_contents`;
      throw new InvalidInputError(`${label} (${dt}) carries elements in ${FIELD_NAMES[field]}; ${where}`);
    }
  }
  if (!expected) return [];
  const list = ranges?.[expected] ?? [];
  switch (expected) {
    case 1:
      return bools(list, reader);
    case 8:
      return list.length === 0 ? [] : byteViews(list, reader);
    case 6:
      return fixedWidth(list, reader, Float32Array);
    case 7:
      return fixedWidth(list, reader, Float64Array);
    case 3:
    case 5:
      return longs(list, reader, expected === 3 ? BigInt64Array : BigUint64Array);
    default:
      return ints(label, dt, list, reader, expected === 2);
  }
}

/** Counts the varints in `list`, checking that each range ends on a varint's last byte. */
function varintCount(list: number[], reader: WireReader): number {
  const { buf } = reader;
  let count = 0;
  for (let r = 0; r < list.length; r += 2) {
    const start = list[r]!;
    const end = list[r + 1]!;
    if (end > start && buf[end - 1]! >= 0x80) throw reader.malformed('packed varints cut off', end);
    for (let i = start; i < end; i++) if (buf[i]! < 0x80) count++;
  }
  return count;
}

function bools(list: number[], reader: WireReader): boolean[] {
  varintCount(list, reader);
  const out: boolean[] = [];
  forEachVarint(list, reader, () => {
    out.push((reader.lo | reader.hi) !== 0);
  });
  return out;
}

function byteViews(list: number[], reader: WireReader): Buffer[] {
  const out: Buffer[] = [];
  for (let r = 0; r < list.length; r += 2) out.push(reader.buf.subarray(list[r]!, list[r + 1]!));
  return out;
}

/** Calls `each` after reading every varint of `list` into the reader's `lo`/`hi`. */
function forEachVarint(list: number[], reader: WireReader, each: () => void): void {
  const saved = reader.end;
  for (let r = 0; r < list.length; r += 2) {
    reader.pos = list[r]!;
    reader.end = list[r + 1]!;
    while (reader.pos < reader.end) {
      reader.varint64();
      each();
    }
  }
  reader.end = saved;
}

/** 32-bit contents (int_contents signed, uint_contents unsigned) into the datatype's array, range-checked. */
function ints(label: string, datatype: Datatype, list: number[], reader: WireReader, signed: boolean) {
  const info = DATATYPE_INFO[datatype];
  const min = Number(info.min);
  const max = Number(info.max);
  const Ctor = info.array as Int32ArrayConstructor;
  const out = new Ctor(varintCount(list, reader));
  let n = 0;
  forEachVarint(list, reader, () => {
    const value = signed ? reader.lo | 0 : reader.lo;
    if (value < min || value > max) {
      throw new InvalidInputError(
        `${label} (${datatype}): element ${n} is ${value}, out of range [${min}, ${max}]`,
      );
    }
    out[n++] = value;
  });
  return out;
}

/** 64-bit contents: each varint's halves written straight into the array's memory (little-endian). */
function longs(
  list: number[],
  reader: WireReader,
  Ctor: BigInt64ArrayConstructor | BigUint64ArrayConstructor,
) {
  const out = new Ctor(varintCount(list, reader));
  const halves = new Uint32Array(out.buffer);
  let n = 0;
  forEachVarint(list, reader, () => {
    halves[n++] = reader.lo;
    halves[n++] = reader.hi;
  });
  return out;
}

/**
 * Packed floats or doubles: one aligned range is a view into the message (no copy); otherwise
 * the ranges are copied into a new array.
 */
function fixedWidth(
  list: number[],
  reader: WireReader,
  Ctor: Float32ArrayConstructor | Float64ArrayConstructor,
): Float32Array | Float64Array {
  const size = Ctor.BYTES_PER_ELEMENT;
  let bytes = 0;
  for (let r = 0; r < list.length; r += 2) {
    const length = list[r + 1]! - list[r]!;
    if (length % size !== 0) throw reader.malformed(`packed ${size}-byte values cut off`, list[r + 1]);
    bytes += length;
  }
  const { buf } = reader;
  if (list.length === 2 && (buf.byteOffset + list[0]!) % size === 0) {
    return new Ctor(buf.buffer as ArrayBuffer, buf.byteOffset + list[0]!, bytes / size);
  }
  const out = new Ctor(bytes / size);
  const target = new Uint8Array(out.buffer);
  for (let r = 0, at = 0; r < list.length; r += 2) {
    target.set(buf.subarray(list[r]!, list[r + 1]!), at);
    at += list[r + 1]! - list[r]!;
  }
  return out;
}
