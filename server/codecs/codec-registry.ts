import { InvalidInputError } from '../errors.js';
import type { TypedArray } from '../types.js';
import { Base64Codec } from './base64-codec.js';
import { BytesCodec } from './bytes-codec.js';
import type { InputCodec, RequestCodec } from './codec.js';
import { DatetimeCodec } from './datetime-codec.js';
import { StringCodec } from './string-codec.js';
import { TensorCodec } from './tensor-codec.js';

/** MLServer's `np` content type over typed arrays, in the registry's shape (flat shape `[N]`). */
export const NumpyCodec: InputCodec<TypedArray> = {
  contentType: 'np',
  decodeInput: (input) => TensorCodec.decodeInput(input),
  encodeOutput: (name, payload, parameters) => ({
    ...TensorCodec.encodeOutput(name, payload),
    parameters: { ...parameters, content_type: 'np' },
  }),
  canEncode: (payload) => ArrayBuffer.isView(payload) && !(payload instanceof DataView),
};

const StrCodec: InputCodec<string[]> = {
  contentType: 'str',
  decodeInput: (input) => StringCodec.decodeInput(input),
  encodeOutput: (name, payload, parameters) => StringCodec.encodeOutput(name, payload, parameters),
  canEncode: (payload) =>
    Array.isArray(payload) && payload.length > 0 && payload.every((v) => typeof v === 'string'),
};

const inputCodecs = new Map<string, InputCodec>();
const requestCodecs = new Map<string, RequestCodec>();

/** Registers an input codec under its content type (replacing any with the same name). */
export function registerInputCodec(codec: InputCodec): void {
  inputCodecs.set(codec.contentType, codec as InputCodec);
}

/** Registers a request codec under its content type. */
export function registerRequestCodec(codec: RequestCodec): void {
  requestCodecs.set(codec.contentType, codec as RequestCodec);
}

/** The input codec for a content type; unknown names are a 400 listing the known ones. */
export function findInputCodec(contentType: string, tensor: string): InputCodec {
  const codec = inputCodecs.get(contentType);
  if (!codec) {
    throw new InvalidInputError(
      `input '${tensor}' has unknown content_type '${contentType}'; known: ${[...inputCodecs.keys(), ...requestCodecs.keys()].join(', ')}`,
    );
  }
  return codec;
}

/** The request codec for a content type, if one is registered. */
export function findRequestCodec(contentType: string): RequestCodec | undefined {
  return requestCodecs.get(contentType);
}

/** The first codec that says it can encode a value (custom codecs first), else undefined. */
export function inferInputCodec(payload: unknown): InputCodec | undefined {
  return [...inputCodecs.values()].reverse().find((codec) => codec.canEncode?.(payload));
}

/** The first request codec that says it can encode a value. */
export function inferRequestCodec(payload: unknown): RequestCodec | undefined {
  return [...requestCodecs.values()].reverse().find((codec) => codec.canEncode?.(payload));
}

for (const codec of [BytesCodec, NumpyCodec, StrCodec, Base64Codec, DatetimeCodec] as InputCodec[]) {
  registerInputCodec(codec);
}
