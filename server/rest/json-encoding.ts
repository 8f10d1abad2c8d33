import type { InferenceResponse, ResponseOutput } from '../types.js';

const decoder = new TextDecoder();

/**
 * Converts a response into plain JSON values: typed arrays become lists, 64-bit integers become
 * numbers when exact (decimal strings otherwise), byte elements become UTF-8 strings.
 */
export function toJsonResponse(response: InferenceResponse): InferenceResponse {
  return { ...response, outputs: response.outputs.map(toJsonOutput) };
}

function toJsonOutput(output: ResponseOutput): ResponseOutput {
  const { data } = output;
  if (Array.isArray(data)) {
    const needsWork = data.some((v) => typeof v === 'bigint' || v instanceof Uint8Array);
    return needsWork ? { ...output, data: data.map(jsonValue) } : output;
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return { ...output, data: Array.from(data, jsonValue) };
  }
  if (output.datatype === 'BOOL')
    return { ...output, data: Array.from(data as ArrayLike<number>, (v) => v !== 0) };
  return { ...output, data: Array.from(data as ArrayLike<number>) };
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return decoder.decode(value);
  return value;
}
