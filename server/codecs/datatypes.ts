import type { Datatype, TypedArray } from '../types.js';

/** A typed-array constructor. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** What the server knows about one datatype: the one table codecs and validation share. */
export interface DatatypeInfo {
  /** Bytes per element on binary transports; 0 for BYTES (variable). */
  byteSize: number;
  kind: 'bool' | 'int' | 'float' | 'bytes';
  /** Inclusive integer range (bigint so 64-bit limits are exact). */
  min?: bigint;
  max?: bigint;
  /** Typed array that holds this datatype's elements (FP16/BF16: their raw 16-bit values). */
  array?: TypedArrayConstructor;
}

/** The datatype table. */
export const DATATYPE_INFO: Readonly<Record<Datatype, DatatypeInfo>> = {
  BOOL: { byteSize: 1, kind: 'bool', array: Uint8Array },
  UINT8: { byteSize: 1, kind: 'int', min: 0n, max: 255n, array: Uint8Array },
  UINT16: { byteSize: 2, kind: 'int', min: 0n, max: 65535n, array: Uint16Array },
  UINT32: { byteSize: 4, kind: 'int', min: 0n, max: 4294967295n, array: Uint32Array },
  UINT64: { byteSize: 8, kind: 'int', min: 0n, max: 18446744073709551615n, array: BigUint64Array },
  INT8: { byteSize: 1, kind: 'int', min: -128n, max: 127n, array: Int8Array },
  INT16: { byteSize: 2, kind: 'int', min: -32768n, max: 32767n, array: Int16Array },
  INT32: { byteSize: 4, kind: 'int', min: -2147483648n, max: 2147483647n, array: Int32Array },
  INT64: {
    byteSize: 8,
    kind: 'int',
    min: -9223372036854775808n,
    max: 9223372036854775807n,
    array: BigInt64Array,
  },
  FP16: { byteSize: 2, kind: 'float', array: Uint16Array },
  BF16: { byteSize: 2, kind: 'float', array: Uint16Array },
  FP32: { byteSize: 4, kind: 'float', array: Float32Array },
  FP64: { byteSize: 8, kind: 'float', array: Float64Array },
  BYTES: { byteSize: 0, kind: 'bytes' },
};

/** The datatype a typed array naturally carries. */
export function datatypeOfTypedArray(array: TypedArray): Datatype {
  if (array instanceof Float32Array) return 'FP32';
  if (array instanceof Float64Array) return 'FP64';
  if (array instanceof Int8Array) return 'INT8';
  if (array instanceof Int16Array) return 'INT16';
  if (array instanceof Int32Array) return 'INT32';
  if (array instanceof BigInt64Array) return 'INT64';
  if (array instanceof Uint16Array) return 'UINT16';
  if (array instanceof Uint32Array) return 'UINT32';
  if (array instanceof BigUint64Array) return 'UINT64';
  return 'UINT8';
}

/** Number of elements a shape holds (1 for a scalar, shape []). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}
