import { InvalidInputError } from '../errors.js';
import type {
  InferenceRequest,
  InferenceResponse,
  ModelMetadata,
  Parameters,
  ResponseOutput,
} from '../types.js';
import {
  findInputCodec,
  findRequestCodec,
  inferInputCodec,
  inferRequestCodec,
  registerRequestCodec,
} from './codec-registry.js';
import { PandasCodec } from './pandas-codec.js';
import { decodeInputValue } from './request-decoding.js';

registerRequestCodec(PandasCodec);

/**
 * Decodes a whole request as MLServer does: a request-level `content_type` (the request's, else
 * the model's `parameters.content_type`) that names a request codec (`pd`) decodes everything;
 * otherwise each input is decoded on its own into `{ [inputName]: value }`.
 */
export function decodeRequest(
  request: InferenceRequest,
  options: { contentType?: string | null; metadata?: Pick<ModelMetadata, 'inputs'> } = {},
): unknown {
  const contentType = request.parameters?.content_type ?? options.contentType ?? undefined;
  if (contentType) {
    const codec = findRequestCodec(contentType);
    if (codec) return codec.decodeRequest(request);
  }
  return Object.fromEntries(
    request.inputs.map((input) => [input.name, decodeInputValue(input, options.metadata)]),
  );
}

/**
 * Encodes a runtime's value into a response: with a `contentType`, by that codec; a plain object
 * `{ name: value }` gives one output per key, each encoded by the codec that recognises its value
 * (typed array → np, strings → str, Dates → datetime, byte arrays → bytes, numbers, booleans); an
 * array of records gives a `pd` table.
 */
export function encodeResponse(
  payload: unknown,
  options: { contentType?: string; modelName?: string; outputName?: string } = {},
): InferenceResponse {
  const base = options.modelName ? { model_name: options.modelName } : {};
  if (options.contentType) {
    const requestCodec = findRequestCodec(options.contentType);
    if (requestCodec) return { ...base, ...requestCodec.encodeResponse(payload) };
    const codec = findInputCodec(options.contentType, options.outputName ?? 'output');
    return { ...base, outputs: [codec.encodeOutput(options.outputName ?? 'output', payload)] };
  }
  const requestCodec = inferRequestCodec(payload);
  if (requestCodec) return { ...base, ...requestCodec.encodeResponse(payload) };
  if (isPlainObject(payload)) {
    return { ...base, outputs: Object.entries(payload).map(([name, value]) => encodeValue(name, value)) };
  }
  return { ...base, outputs: [encodeValue(options.outputName ?? 'output', payload)] };
}

function encodeValue(name: string, value: unknown, parameters?: Parameters): ResponseOutput {
  const codec = inferInputCodec(value);
  if (codec) return codec.encodeOutput(name, value, parameters);
  if (Array.isArray(value) && value.every((v) => typeof v === 'boolean')) {
    return { name, shape: [value.length], datatype: 'BOOL', data: value };
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    return { name, shape: [value.length], datatype: 'FP64', data: value };
  }
  throw new InvalidInputError(
    `cannot encode output '${name}': no codec recognises its value; pass a contentType`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
