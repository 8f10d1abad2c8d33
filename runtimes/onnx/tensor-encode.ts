import type { ResponseOutput, TypedArray } from 'mlserver-ts';
import { ORT_TO_DATATYPE } from './element-types.js';
import { fromFloat16Bits } from 'mlserver-ts';
import type { WireTensor } from './wire.js';

/**
 * Turns a session output into a response tensor. Typed arrays pass through (INT64/UINT64 as
 * bigint arrays, exact on every transport); FP16 becomes numbers, since its typed array would
 * otherwise be read as raw bit patterns by JSON encoders.
 */
export function encodeOutput(name: string, tensor: WireTensor): ResponseOutput {
  const datatype = ORT_TO_DATATYPE[tensor.type];
  const shape = [...tensor.dims];
  if (Array.isArray(tensor.data)) return { name, datatype, shape, data: tensor.data };
  if (tensor.type === 'float16') {
    return { name, datatype, shape, data: Array.from(tensor.data as Uint16Array, fromFloat16Bits) };
  }
  return { name, datatype, shape, data: tensor.data as TypedArray };
}
