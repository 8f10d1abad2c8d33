import type { TensorData, TypedArray } from '../types.js';

/** A tensor's shape and flat (row-major) data. */
export interface FlatTensor {
  shape: readonly number[];
  data: TensorData;
}

function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function sameTypedArrays(parts: readonly TensorData[]): TypedArray | undefined {
  const first = parts[0];
  if (!ArrayBuffer.isView(first)) return undefined;
  for (const part of parts)
    if (!ArrayBuffer.isView(part) || part.constructor !== first.constructor) return undefined;
  return first;
}

/**
 * Joins tensors along `axis` (their shapes equal but for that axis): the tensor a batch of
 * requests gives the model. Typed arrays of one kind stay a typed array of that kind.
 */
export function concatAlong(parts: readonly FlatTensor[], axis: number): FlatTensor {
  const first = parts[0]!;
  const outer = product(first.shape.slice(0, axis));
  const inner = product(first.shape.slice(axis + 1));
  const total = parts.reduce((sum, part) => sum + part.shape[axis]!, 0);
  const shape = [...first.shape];
  shape[axis] = total;
  const length = outer * total * inner;
  const typed = sameTypedArrays(parts.map((part) => part.data));
  const out: TensorData = typed
    ? new (typed.constructor as new (length: number) => TypedArray)(length)
    : new Array<unknown>(length);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const block = part.shape[axis]! * inner;
      const from = o * block;
      if (typed) {
        (out as TypedArray).set((part.data as TypedArray).subarray(from, from + block) as never, at);
      } else {
        for (let i = 0; i < block; i++) (out as unknown[])[at + i] = part.data[from + i];
      }
      at += block;
    }
  }
  return { shape, data: out };
}

/**
 * Cuts a tensor along `axis` into pieces of `sizes` entries (which add up to its size on that
 * axis): the share of each request of a batch. Each piece has data of its own.
 */
export function splitAlong(tensor: FlatTensor, axis: number, sizes: readonly number[]): FlatTensor[] {
  const { shape, data } = tensor;
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const total = shape[axis]!;
  const pieces: FlatTensor[] = [];
  let offset = 0;
  for (const size of sizes) {
    const pieceShape = [...shape];
    pieceShape[axis] = size;
    const block = size * inner;
    const piece: TensorData = ArrayBuffer.isView(data)
      ? new (data.constructor as new (length: number) => TypedArray)(outer * block)
      : new Array<unknown>(outer * block);
    for (let o = 0; o < outer; o++) {
      const from = (o * total + offset) * inner;
      if (ArrayBuffer.isView(data)) {
        (piece as TypedArray).set((data as TypedArray).subarray(from, from + block) as never, o * block);
      } else {
        for (let i = 0; i < block; i++) (piece as unknown[])[o * block + i] = data[from + i];
      }
    }
    pieces.push({ shape: pieceShape, data: piece });
    offset += size;
  }
  return pieces;
}
