import { DATATYPE_INFO, InvalidInputError, type RequestInput } from 'mlserver-ts';
import type { OrtElementType } from './element-types.js';
import { toFloat16Bits } from 'mlserver-ts';
import { isArrayBuffer, type WireTensor } from './wire.js';

const FLOAT_WORDS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a request tensor (flat, already checked by the core) into a wire tensor of the model's
 * element type. Numeric data lands in a typed array that owns its buffer, so it can be
 * transferred to a worker; 64-bit integers stay exact (bigint throughout).
 */
export function decodeInput(input: RequestInput, type: OrtElementType): WireTensor {
  return { type, dims: [...input.shape], data: decodeData(input, type) };
}

function decodeData(input: RequestInput, type: OrtElementType): ArrayBufferView | string[] {
  const data = input.data as ArrayLike<unknown>;
  switch (type) {
    case 'string':
      return Array.from(data, (value, i) => toText(input.name, value, i));
    case 'bool':
      return Uint8Array.from(data as ArrayLike<unknown>, (value) =>
        value === true || (typeof value === 'number' && value !== 0) ? 1 : 0,
      );
    case 'float16':
      // A Uint16Array already holds half-precision bit patterns (binary transports); lists hold numbers.
      if (data instanceof Uint16Array) return owned(data, Uint16Array);
      return Uint16Array.from(data, (value) => toFloat16Bits(toFloat(value)));
    case 'int64':
    case 'uint64': {
      const Ctor = type === 'int64' ? BigInt64Array : BigUint64Array;
      if (data instanceof Ctor) return owned<BigInt64Array | BigUint64Array>(data, Ctor as never);
      const out = new Ctor(data.length);
      for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i] as bigint | number | string);
      return out;
    }
    default: {
      const Ctor = DATATYPE_INFO[input.datatype].array!;
      if (data instanceof Ctor) return owned<ArrayBufferView>(data as ArrayBufferView, Ctor as never);
      const out = new Ctor(data.length) as unknown as { [index: number]: number; length: number };
      for (let i = 0; i < data.length; i++) out[i] = toFloat(data[i]);
      return out as unknown as ArrayBufferView;
    }
  }
}

/**
 * The typed array itself when it is a plain `Ctor` owning its whole buffer (then it is
 * transferred), else a copy into a new `Ctor` (a Node Buffer, for one, is a view into a pool).
 */
function owned<T extends ArrayBufferView>(array: T, Ctor: new (source: T) => T): T {
  const whole = array.byteOffset === 0 && array.byteLength === array.buffer.byteLength;
  const plain = array.constructor === Ctor && isArrayBuffer(array.buffer);
  return whole && plain ? array : new Ctor(array);
}

function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return FLOAT_WORDS[value] ?? Number(value);
  return Number.NaN;
}

function toText(name: string, value: unknown, index: number): string {
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value as Uint8Array);
  } catch {
    throw new InvalidInputError(
      `input '${name}' (BYTES): element ${index} is not valid UTF-8; ONNX string tensors carry text only`,
    );
  }
}
