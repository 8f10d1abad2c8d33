import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { DATATYPE_INFO } from '../../server/codecs/datatypes.js';
import { DATATYPES, type Datatype, type InferenceResponse } from '../../server/types.js';
import { encodeJsonResponse, toJsonResponse } from '../../server/wire/json-response.js';

/** What `res.json(toJsonResponse(response))` sent before the body was written in slices. */
const whole = (response: InferenceResponse) => JSON.stringify(toJsonResponse(response));
const sliced = (response: InferenceResponse, slice?: number) =>
  Buffer.concat(encodeJsonResponse(response, slice)).toString();

/** Element values of `datatype` as a runtime's typed array (or BYTES list) holds them. */
function fill(
  datatype: Datatype,
  length: number,
  seed: number,
): InferenceResponse['outputs'][number]['data'] {
  const Typed = DATATYPE_INFO[datatype].array;
  if (!Typed) return Array.from({ length }, (_, i) => new TextEncoder().encode(`w"${(i * seed) % 97}`));
  const data = new Typed(length);
  for (let i = 0; i < length; i++) {
    const v = (i * 2_654_435_761 + seed) % 1_000_003;
    if (data instanceof BigInt64Array) data[i] = BigInt(v - 500_000) * (i % 7 === 0 ? 2n ** 40n : 1n);
    else if (data instanceof BigUint64Array) data[i] = BigInt(v) * (i % 5 === 0 ? 2n ** 60n : 1n);
    else if (data instanceof Float32Array || data instanceof Float64Array)
      data[i] = i % 11 === 3 ? [Number.NaN, Number.POSITIVE_INFINITY, -0][i % 3]! : (v - 500_000) / 7;
    else data[i] = v;
  }
  return data;
}

describe('encodeJsonResponse: the REST JSON body a slice at a time', () => {
  test('property: the same bytes as JSON.stringify(toJsonResponse(response)), any datatypes, lengths and slice size', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            datatype: fc.constantFrom(...DATATYPES),
            length: fc.nat({ max: 40 }),
            seed: fc.nat(),
            name: fc.string(),
            plain: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
        fc.integer({ min: 1, max: 12 }),
        (outputs, parameters, slice) => {
          const response: InferenceResponse = {
            model_name: 'm',
            parameters,
            outputs: outputs.map(({ datatype, length, seed, name, plain }) => {
              const data = fill(datatype, length, seed);
              // Runtimes may return plain lists too.
              return {
                name,
                datatype,
                shape: [length],
                data: plain ? Array.from(data as ArrayLike<unknown>) : data,
              };
            }),
          };
          expect(sliced(response, slice)).toBe(whole(response));
        },
      ),
      { numRuns: 500, seed: 20261130 },
    );
  });

  test('non-finite floats in a slice become "NaN", "Infinity", "-Infinity" as before', () => {
    const data = new Float32Array(10).fill(1.5);
    data[3] = Number.NaN;
    data[8] = Number.POSITIVE_INFINITY;
    data[9] = Number.NEGATIVE_INFINITY;
    data[7] = -0;
    const response: InferenceResponse = { outputs: [{ name: 'f', datatype: 'FP32', shape: [10], data }] };
    const text = sliced(response, 4);
    expect(text).toBe(whole(response));
    expect(JSON.parse(text).outputs[0].data).toEqual([
      1.5,
      1.5,
      1.5,
      'NaN',
      1.5,
      1.5,
      1.5,
      0,
      'Infinity',
      '-Infinity',
    ]);
  });

  test('the default slice: a 200,000-element output is written in slices, byte for byte as before', () => {
    const data = new Int32Array(200_003).map((_, i) => i - 100_000);
    const response: InferenceResponse = {
      model_name: 'simple',
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [200_003], data },
        { name: 'small', datatype: 'FP32', shape: [1], data: new Float32Array([0.1]) },
      ],
    };
    const chunks = encodeJsonResponse(response);
    // The text around it, "[", its four slices, "]".
    expect(chunks).toHaveLength(2 + 1 + Math.ceil(200_003 / 65_536) + 1);
    expect(Buffer.concat(chunks).toString()).toBe(whole(response));
  });
});
