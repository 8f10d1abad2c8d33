import fc from 'fast-check';
import { concatAlong, splitAlong } from '../../server/execution/tensor-batch.js';

/** Element at `index` (row-major) of a tensor of `shape`. */
function at(data: ArrayLike<unknown>, shape: number[], index: number[]): unknown {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + index[i]!;
  return data[flat];
}

describe('tensors joined and cut along a batch axis', () => {
  test('axis 1 of [2, b, 3]: the state layout of Silero VAD', () => {
    const a = { shape: [2, 1, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { shape: [2, 2, 3], data: Float32Array.from([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]) };
    const joined = concatAlong([a, b], 1);
    expect(joined.shape).toEqual([2, 3, 3]);
    expect(joined.data).toBeInstanceOf(Float32Array);
    expect(Array.from(joined.data as Float32Array)).toEqual([
      1, 2, 3, 7, 8, 9, 10, 11, 12, 4, 5, 6, 13, 14, 15, 16, 17, 18,
    ]);
    const [a2, b2] = splitAlong(joined, 1, [1, 2]);
    expect(a2).toEqual({ shape: [2, 1, 3], data: a.data });
    expect(b2).toEqual({ shape: [2, 2, 3], data: b.data });
  });

  test('mixed arrays (JSON data) join as plain arrays; BYTES elements kept', () => {
    const joined = concatAlong(
      [
        { shape: [1], data: ['a'] },
        { shape: [2], data: ['b', new Uint8Array([1])] },
      ],
      0,
    );
    expect(joined).toEqual({ shape: [3], data: ['a', 'b', new Uint8Array([1])] });
  });

  test('property: split(concat(parts)) gives the parts back, element for element, on any axis', () => {
    const layout = fc
      .record({
        rank: fc.integer({ min: 1, max: 4 }),
        seed: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
        sizes: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
        axisPick: fc.nat(),
        typed: fc.boolean(),
      })
      .map(({ rank, seed, sizes, axisPick, typed }) => ({
        base: seed.slice(0, rank),
        axis: axisPick % rank,
        sizes,
        typed,
      }));
    fc.assert(
      fc.property(layout, ({ base, axis, sizes, typed }) => {
        let counter = 0;
        const parts = sizes.map((size) => {
          const shape = base.map((d, i) => (i === axis ? size : d));
          const n = shape.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: n }, () => counter++);
          return { shape, data: typed ? Float64Array.from(values) : values };
        });
        const joined = concatAlong(parts, axis);
        // Every element of every part is where the batch axis says it is in the joined tensor.
        let offset = 0;
        for (const part of parts) {
          const n = part.data.length;
          for (let flat = 0; flat < n; flat++) {
            const index: number[] = [];
            let rest = flat;
            for (let i = part.shape.length - 1; i >= 0; i--) {
              index.unshift(rest % part.shape[i]!);
              rest = Math.floor(rest / part.shape[i]!);
            }
            const moved = index.map((v, i) => (i === axis ? v + offset : v));
            expect(at(joined.data as ArrayLike<unknown>, [...joined.shape], moved)).toBe(part.data[flat]);
          }
          offset += part.shape[axis]!;
        }
        const back = splitAlong(joined, axis, sizes);
        back.forEach((piece, i) => {
          expect(piece.shape).toEqual(parts[i]!.shape);
          expect(Array.from(piece.data as ArrayLike<unknown>)).toEqual(Array.from(parts[i]!.data));
        });
      }),
      { numRuns: 200 },
    );
  });
});
