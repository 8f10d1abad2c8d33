import type { Parameters, RequestInput, ResponseOutput, TensorData } from '../types.js';

const decoder = new TextDecoder();

/** Decodes one BYTES element (a string or raw bytes) to a string. */
export function bytesElementToString(element: unknown): string {
  if (typeof element === 'string') return element;
  if (element instanceof Uint8Array) return decoder.decode(element);
  return String(element);
}

function decode(data: TensorData): string[] {
  return Array.from(data as ArrayLike<unknown>, bytesElementToString);
}

function encode(name: string, payload: readonly string[], parameters?: Parameters): ResponseOutput {
  return {
    name,
    shape: [payload.length, 1],
    datatype: 'BYTES',
    parameters: { ...parameters, content_type: 'str' },
    data: [...payload],
  };
}

/**
 * MLServer's `str` content type: a BYTES tensor as a list of strings (UTF-8), shape [N, 1].
 */
export const StringCodec = {
  contentType: 'str',
  /** The strings of a BYTES input. */
  decodeInput(input: Pick<RequestInput, 'data'>): string[] {
    return decode(input.data);
  },
  /** The strings of a BYTES output (client side). */
  decodeOutput(output: Pick<ResponseOutput, 'data'>): string[] {
    return decode(output.data);
  },
  /** A BYTES output holding the strings. */
  encodeOutput(name: string, payload: readonly string[], parameters?: Parameters): ResponseOutput {
    return encode(name, payload, parameters);
  },
  /** A BYTES input holding the strings (client side). */
  encodeInput(name: string, payload: readonly string[], parameters?: Parameters): RequestInput {
    return encode(name, payload, parameters);
  },
} as const;
