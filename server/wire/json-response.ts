import { toJsonValues } from '../codecs/tensor-codec.js';
import type { InferenceResponse, ResponseOutput } from '../types.js';

/**
 * Converts a response into plain JSON values: typed arrays become lists (FP16/BF16 as numbers,
 * BOOL as booleans), 64-bit integers become numbers when exact and decimal strings otherwise,
 * byte elements become UTF-8 strings, and NaN/±Infinity become "NaN"/"Infinity"/"-Infinity".
 */
export function toJsonResponse(response: InferenceResponse): InferenceResponse {
  return { ...response, outputs: response.outputs.map(toJsonOutput) };
}

function toJsonOutput(output: ResponseOutput): ResponseOutput {
  const { data } = output;
  if (Array.isArray(data)) {
    const needsWork = data.some(
      (v) =>
        typeof v === 'bigint' || v instanceof Uint8Array || (typeof v === 'number' && !Number.isFinite(v)),
    );
    return needsWork ? { ...output, data: nonFinite(toJsonValues(output.datatype, data)) } : output;
  }
  return { ...output, data: nonFinite(toJsonValues(output.datatype, data)) };
}

function nonFinite(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && !Number.isFinite(v))
      values[i] = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  return values;
}
