import { validateInferenceRequest } from '../request-validation.js';
import type { InferenceRequest } from '../types.js';
import type { DecodeLimits } from './decode-budget.js';
import { requestWithoutNulls } from '../null-optionals.js';
import { parseJsonRequest } from './parsed-request.js';
import { readJsonRequest } from './request-reader.js';

/** Nesting of arrays and objects allowed outside tensor data, and the largest tensor rank. */
export const DEFAULT_MAX_DEPTH = 64;
/** The largest `maxDepth` accepted (the JSON.parse path walks values with bounded recursion). */
export const MAX_DEPTH_BOUND = 1000;
/** JSON values allowed outside tensor data (ids, parameters, outputs, unknown fields). */
export const DEFAULT_MAX_JSON_VALUES = 100_000;

/**
 * Bodies below this size go through `JSON.parse` plus the same bounds: against today's path
 * (JSON.parse + validation) 1.6–2.5× on nested numbers, 0.7–1.07× on flat numbers (it also
 * builds the typed arrays), 0.67–0.9× on text; what it builds stays small. Larger bodies go
 * through the byte-level reader: 7–11× on nested numbers, 1.1–1.9× on flat ones, 0.55–0.9× on
 * text, with peak memory the body plus the typed arrays instead of up to 13× the body. Both
 * paths give the same request and errors. Chosen from `npm run bench:json`.
 */
export const PARSE_BELOW_BYTES = 64 * 1024;

/** Limits of one JSON request decode; the adapters fill them from settings. */
export interface JsonRequestOptions extends DecodeLimits {
  /** Default `DEFAULT_MAX_DEPTH`; at most `MAX_DEPTH_BOUND`. */
  maxDepth?: number;
  /** Default `DEFAULT_MAX_JSON_VALUES`. */
  maxJsonValues?: number;
  /** What the bytes are, for error messages. Default "request body". */
  what?: string;
  /** Which path decodes: by size (default), or one of them (tests and benchmarks). */
  path?: 'auto' | 'parse' | 'read';
}

/**
 * Decodes a JSON inference request from its bytes, never turning the whole body into a string:
 * numeric tensor data goes straight into the typed array of its datatype (FP16/BF16 as bits,
 * INT64/UINT64 exact), BOOL data stays booleans and BYTES data strings, each input's decoded
 * size is checked against the limits before it is materialised (413), nesting is bounded
 * (400), optional fields sent as `null` count as absent, and the result is validated as every
 * transport's requests are. Everything else is what `JSON.parse` gives.
 */
export function decodeJsonRequest(body: Uint8Array, options: JsonRequestOptions): InferenceRequest {
  return validateInferenceRequest(readJsonRequestBody(body, options));
}

/**
 * `decodeJsonRequest` without the final validation: the request object with every input's data
 * that is present decoded (and sized in the budget). What an adapter hands the dataplane, which
 * validates every request anyway (typed arrays in O(1)); also for a JSON header whose inputs
 * take their data from elsewhere (Triton's binary extension), completed and then validated.
 */
export function readJsonRequestBody(body: Uint8Array, options: JsonRequestOptions): Record<string, unknown> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!(Number.isInteger(maxDepth) && maxDepth >= 1 && maxDepth <= MAX_DEPTH_BOUND)) {
    throw new RangeError(`maxDepth must be an integer from 1 to ${MAX_DEPTH_BOUND}, not ${maxDepth}`);
  }
  const bounds = { maxDepth, maxValues: options.maxJsonValues ?? DEFAULT_MAX_JSON_VALUES };
  const path = options.path ?? 'auto';
  const parse = path === 'parse' || (path === 'auto' && body.byteLength < PARSE_BELOW_BYTES);
  const request = parse
    ? parseJsonRequest(body, options, bounds, options.what)
    : readJsonRequest(body, options, bounds, options.what);
  return requestWithoutNulls(request);
}
