import { InvalidInputError } from '../errors.js';
import type { Parameters, RequestInput, ResponseOutput } from '../types.js';
import type { InputCodec } from './codec.js';

const decoder = new TextDecoder();
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** MLServer's `base64` content type: BYTES elements hold base64 text; the runtime sees the bytes. */
export const Base64Codec: InputCodec<Uint8Array[]> = {
  contentType: 'base64',
  decodeInput(input: RequestInput): Uint8Array[] {
    return Array.from(input.data as ArrayLike<unknown>, (element, i) => {
      const text = (typeof element === 'string' ? element : decoder.decode(element as Uint8Array)).trim();
      if (!BASE64.test(text)) {
        throw new InvalidInputError(`input '${input.name}' (base64): element ${i} is not base64 text`);
      }
      return new Uint8Array(Buffer.from(text, 'base64'));
    });
  },
  encodeOutput(name: string, payload: Uint8Array[], parameters?: Parameters): ResponseOutput {
    return {
      name,
      shape: [payload.length, 1],
      datatype: 'BYTES',
      parameters: { ...parameters, content_type: 'base64' },
      data: payload.map((bytes) => Buffer.from(bytes).toString('base64')),
    };
  },
};
