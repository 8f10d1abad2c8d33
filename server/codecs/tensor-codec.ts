import type { Datatype, RequestInput, ResponseOutput, TypedArray } from '../types.js';
import { DATATYPE_INFO, datatypeOfTypedArray, type TypedArrayConstructor } from './datatypes.js';
import { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from './float16.js';

/**
 * Numeric tensors as typed arrays (MLServer's `np` content type): decode an input into the typed
 * array of its datatype, encode a typed array into an output with its datatype and shape.
 */
export const TensorCodec = {
  contentType: 'np',
  /** The input's elements in the typed array of its datatype (BOOL as 0/1 bytes; FP16 as raw bits). */
  decodeInput(input: Pick<RequestInput, 'datatype' | 'data'>): TypedArray {
    return toTypedArray(input.datatype, input.data);
  },
  /** The output's elements in the typed array of its datatype (client side). */
  decodeOutput(output: Pick<ResponseOutput, 'datatype' | 'data'>): TypedArray {
    return toTypedArray(output.datatype, output.data);
  },
  /** An output from a typed array; the datatype follows the array unless given. */
  encodeOutput(name: string, data: TypedArray, shape?: number[], datatype?: Datatype): ResponseOutput {
    return { name, shape: shape ?? [data.length], datatype: datatype ?? datatypeOfTypedArray(data), data };
  },
} as const;

/** Converts flat tensor data (list or typed array) into the typed array of `datatype`. */
export function toTypedArray(datatype: Datatype, data: ArrayLike<unknown>): TypedArray {
  const ctor = DATATYPE_INFO[datatype].array;
  if (!ctor) throw new TypeError(`${datatype} tensors have no typed-array form`);
  if (data instanceof ctor) return data;
  return fill(ctor, datatype, data);
}

function fill(ctor: TypedArrayConstructor, datatype: Datatype, data: ArrayLike<unknown>): TypedArray {
  const length = data.length;
  if (ctor === BigInt64Array || ctor === BigUint64Array) {
    const out = new ctor(length);
    for (let i = 0; i < length; i++) out[i] = BigInt(data[i] as bigint | number | string);
    return out;
  }
  const out = new ctor(length);
  const convert = datatype === 'FP16' ? toFloat16Bits : datatype === 'BF16' ? toBFloat16Bits : undefined;
  for (let i = 0; i < length; i++) {
    const value = toNumber(data[i], datatype);
    out[i] = convert ? convert(value) : value;
  }
  return out;
}

/**
 * Flat tensor data as JSON-able values: numbers (FP16/BF16 decoded from their bits), booleans
 * for BOOL, 64-bit integers as numbers when exact and decimal strings otherwise.
 */
export function toJsonValues(datatype: string, data: ArrayLike<unknown>): unknown[] {
  if (datatype === 'FP16' && data instanceof Uint16Array) return Array.from(data, fromFloat16Bits);
  if (datatype === 'BF16' && data instanceof Uint16Array) return Array.from(data, fromBFloat16Bits);
  if (datatype === 'BOOL' && ArrayBuffer.isView(data)) return Array.from(data as Uint8Array, (v) => v !== 0);
  return Array.from(data, jsonScalar);
}

const decoder = new TextDecoder();

function jsonScalar(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return decoder.decode(value);
  return value;
}

function toNumber(value: unknown, datatype: Datatype): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && DATATYPE_INFO[datatype].kind === 'float') return parseFloatWord(value);
  return value as number;
}

/** JSON cannot carry NaN or infinities: they travel as the strings "NaN", "Infinity", "-Infinity". */
export function parseFloatWord(value: string): number {
  const lower = value.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number(value);
}
