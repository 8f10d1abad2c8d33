import { randomUUID } from 'node:crypto';
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

/** Outputs with at least this many elements are written a slice at a time. */
/** Output size (elements) from which `encodeJsonResponse` writes an output a slice at a time. */
export const JSON_SLICE = 65_536;
const SLICE = JSON_SLICE;
/** Stands for a sliced output's data in the rest of the response (a per-process nonce: no output can hold it). */
const MARK = `\u0000data-${randomUUID()}-`;
/** Typed arrays whose `join(',')` is already their JSON list: integers of up to 32 bits, floats. */
const JOINABLE = new Set([
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
]);

/**
 * A response's JSON body (the same bytes as `JSON.stringify(toJsonResponse(response))`) as
 * buffers. Outputs of `slice` (65,536) elements or more are written a slice at a time, so a
 * tensor of millions of elements costs its JSON size in off-heap buffers, not a JS array of
 * every element plus one string of the whole body on the heap: with those, one valid 57.6 MB
 * request to `simple` (two INT32 [900000,16] outputs) ended a server whose heap was capped at
 * 256 MB with "JavaScript heap out of memory" (test/abuse/huge-bodies.test.ts).
 */
export function encodeJsonResponse(response: InferenceResponse, slice = SLICE): Buffer[] {
  const sliced: ResponseOutput[] = [];
  const skeleton = {
    ...response,
    outputs: response.outputs.map((output) => {
      if (output.data.length < slice) return toJsonOutput(output);
      sliced.push(output);
      return { ...output, data: `${MARK}${sliced.length - 1}` };
    }),
  };
  const text = JSON.stringify(skeleton);
  if (sliced.length === 0) return [Buffer.from(text)];
  // Each mark is written as the JSON string `"<escaped MARK><index>"`.
  const opening = JSON.stringify(MARK).slice(0, -1);
  const body: Buffer[] = [];
  let at = 0;
  for (let found = text.indexOf(opening); found >= 0; found = text.indexOf(opening, at)) {
    const close = text.indexOf('"', found + opening.length);
    body.push(Buffer.from(text.slice(at, found)));
    body.push(...jsonList(sliced[Number(text.slice(found + opening.length, close))]!, slice));
    at = close + 1;
  }
  body.push(Buffer.from(text.slice(at)));
  return body;
}

/** An output's data as a JSON list, a slice at a time. */
function jsonList(output: ResponseOutput, slice: number): Buffer[] {
  const { data, datatype } = output;
  const joinable =
    ArrayBuffer.isView(data) &&
    JOINABLE.has(data.constructor as never) &&
    datatype !== 'BOOL' &&
    datatype !== 'FP16' &&
    datatype !== 'BF16';
  const parts: Buffer[] = [Buffer.from('[')];
  for (let start = 0; start < data.length; start += slice) {
    const part = Array.isArray(data)
      ? data.slice(start, start + slice)
      : (data as Float64Array).subarray(start, start + slice);
    const text =
      joinable && allFinite(part as Float64Array)
        ? (part as Float64Array).join(',')
        : JSON.stringify(toJsonOutput({ ...output, data: part }).data).slice(1, -1);
    parts.push(Buffer.from(start === 0 ? text : `,${text}`));
  }
  parts.push(Buffer.from(']'));
  return parts;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
