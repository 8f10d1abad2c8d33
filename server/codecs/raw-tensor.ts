import { InvalidInputError } from '../errors.js';
import type { Datatype, TensorData, TypedArray } from '../types.js';
import { DATATYPE_INFO, elementCount } from './datatypes.js';
import { toTypedArray } from './tensor-codec.js';

const encoder = new TextEncoder();

/**
 * Decodes a tensor from its raw bytes (Triton's binary extension, gRPC raw contents): row-major,
 * little-endian; BOOL one byte per element; BYTES as a 4-byte little-endian length before each
 * element. Numeric data is viewed in place when aligned, copied otherwise.
 */
export function decodeRawTensor(
  label: string,
  datatype: Datatype,
  shape: readonly number[],
  bytes: Uint8Array,
): TensorData {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeRawBytes(label, count, bytes);
  const info = DATATYPE_INFO[datatype];
  const expected = count * info.byteSize;
  if (bytes.byteLength !== expected) {
    throw new InvalidInputError(
      `${label}: raw data holds ${bytes.byteLength} bytes but shape ${JSON.stringify(shape)} of ${datatype} needs ${expected} (${count} × ${info.byteSize})`,
    );
  }
  const ctor = info.array!;
  if (bytes.byteOffset % info.byteSize === 0)
    return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count) as TypedArray;
  const copy = new Uint8Array(expected);
  copy.set(bytes);
  return new ctor(copy.buffer, 0, count) as TypedArray;
}

function decodeRawBytes(label: string, count: number, bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength) {
      throw new InvalidInputError(
        `${label}: BYTES element ${elements.length} is cut off inside its 4-byte length prefix`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) {
      throw new InvalidInputError(
        `${label}: BYTES element ${elements.length} declares ${length} bytes but only ${bytes.byteLength - offset} remain`,
      );
    }
    elements.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (elements.length !== count) {
    throw new InvalidInputError(
      `${label}: binary BYTES data holds ${elements.length} elements but the shape needs ${count}`,
    );
  }
  return elements;
}

/** Encodes flat tensor data (list or typed array) into raw bytes; numeric typed arrays are not copied. */
export function encodeRawTensor(datatype: Datatype, data: TensorData): Uint8Array {
  if (datatype === 'BYTES') return encodeRawBytes(data as ArrayLike<unknown>);
  const typed = datatype === 'BOOL' ? toBoolBytes(data) : toTypedArray(datatype, flatten(data));
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

function toBoolBytes(data: TensorData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return Uint8Array.from(flatten(data), (v) => (v ? 1 : 0));
}

function flatten(data: TensorData): ArrayLike<unknown> {
  return Array.isArray(data) && data.some(Array.isArray)
    ? (data.flat(Number.POSITIVE_INFINITY) as unknown[])
    : data;
}

function encodeRawBytes(data: ArrayLike<unknown>): Uint8Array {
  const elements = Array.from(flatten(data as TensorData), (v) =>
    v instanceof Uint8Array ? v : encoder.encode(typeof v === 'string' ? v : String(v)),
  );
  const total = elements.reduce((sum, e) => sum + 4 + e.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const element of elements) {
    view.setUint32(offset, element.byteLength, true);
    out.set(element, offset + 4);
    offset += 4 + element.byteLength;
  }
  return out;
}
