import type { TensorData } from '../types.js';

/** A tensor's elements flat (row-major), whether they came as a nested list or a typed array. */
export function flatElements(data: TensorData): ArrayLike<unknown> {
  if (!Array.isArray(data)) return data;
  return data.some(Array.isArray) ? (data.flat(Number.POSITIVE_INFINITY) as unknown[]) : data;
}

/** A BYTES element as bytes: strings are UTF-8 encoded, byte arrays are shared, not copied. */
export function bytesOf(element: unknown): Buffer {
  if (element instanceof Uint8Array)
    return Buffer.from(element.buffer, element.byteOffset, element.byteLength);
  return Buffer.from(typeof element === 'string' ? element : String(element), 'utf8');
}

/** A signed or unsigned 64-bit element as an exact decimal string. */
export function int64String(element: unknown): string {
  if (typeof element === 'bigint') return element.toString();
  if (typeof element === 'string') return BigInt(element).toString();
  return BigInt(element as number).toString();
}
