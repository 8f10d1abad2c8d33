import { validateInferenceRequest } from '../request-validation.js';
import type { InferenceRequest } from '../types.js';
import type { DecodeLimits } from './decode-budget.js';
import { dropNullOptionals } from './null-optionals.js';
import { readJsonRequest } from './request-reader.js';

/** Nesting of arrays and objects allowed outside tensor data, and the largest tensor rank. */
export const DEFAULT_MAX_DEPTH = 64;
/** JSON values allowed outside tensor data (ids, parameters, outputs, unknown fields). */
export const DEFAULT_MAX_JSON_VALUES = 100_000;

/** Limits of one JSON request decode; the adapters fill them from settings. */
export interface JsonRequestOptions extends DecodeLimits {
  /** Default `DEFAULT_MAX_DEPTH`. */
  maxDepth?: number;
  /** Default `DEFAULT_MAX_JSON_VALUES`. */
  maxJsonValues?: number;
  /** What the bytes are, for error messages. Default "request body". */
  what?: string;
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
  const request = readJsonRequest(
    body,
    options,
    {
      maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxValues: options.maxJsonValues ?? DEFAULT_MAX_JSON_VALUES,
    },
    options.what,
  );
  dropNullOptionals(request);
  return validateInferenceRequest(request);
}
