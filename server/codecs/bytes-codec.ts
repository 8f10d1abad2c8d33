import type { Parameters, RequestInput, ResponseOutput } from '../types.js';
import type { InputCodec } from './codec.js';

const encoder = new TextEncoder();

/** BYTES without a content type: the runtime sees each element's bytes, exactly as sent. */
export const BytesCodec: InputCodec<Uint8Array[]> = {
  contentType: 'bytes',
  decodeInput(input: RequestInput): Uint8Array[] {
    return Array.from(input.data as ArrayLike<unknown>, (e) =>
      e instanceof Uint8Array ? e : encoder.encode(typeof e === 'string' ? e : String(e)),
    );
  },
  encodeOutput(name: string, payload: Uint8Array[], parameters?: Parameters): ResponseOutput {
    return {
      name,
      shape: [payload.length, 1],
      datatype: 'BYTES',
      ...(parameters ? { parameters } : {}),
      data: payload,
    };
  },
  canEncode: (payload) =>
    Array.isArray(payload) && payload.length > 0 && payload.every((v) => v instanceof Uint8Array),
};
