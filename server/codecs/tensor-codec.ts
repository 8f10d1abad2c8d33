import type { Datatype, RequestInput, ResponseOutput, TypedArray } from '../types.js';
import { DATATYPE_INFO, datatypeOfTypedArray, type TypedArrayConstructor } from './datatypes.js';

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
  for (let i = 0; i < length; i++) out[i] = toNumber(data[i], datatype);
  return out;
}

function toNumber(value: unknown, datatype: Datatype): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && DATATYPE_INFO[datatype].kind === 'float') return Number(value);
  return value as number;
}
