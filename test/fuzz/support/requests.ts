import fc from 'fast-check';
import { DATATYPE_INFO } from '../../../server/codecs/datatypes.js';
import { DATATYPES, type Datatype } from '../../../server/types.js';
import { nest } from '../../helpers/json-reference.js';

const FLOAT_WORDS = ['NaN', 'Infinity', '-Infinity'] as const;

/** A valid JSON element of `datatype`, as a client would write it. */
export function element(datatype: Datatype): fc.Arbitrary<unknown> {
  const info = DATATYPE_INFO[datatype];
  switch (info.kind) {
    case 'bool':
      return fc.boolean();
    case 'bytes':
      return fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 8 }));
    case 'float': {
      const finite =
        datatype === 'FP16'
          ? fc.integer({ min: -2048, max: 2048 }).map((n) => n / 4)
          : datatype === 'FP32'
            ? fc.float({ noNaN: true, noDefaultInfinity: true })
            : fc.double({ noNaN: true, noDefaultInfinity: true });
      return fc.oneof(
        { weight: 9, arbitrary: finite },
        { weight: 1, arbitrary: fc.constantFrom(...FLOAT_WORDS) },
      );
    }
    default: {
      const { min, max } = info as { min: bigint; max: bigint };
      if (datatype === 'INT64' || datatype === 'UINT64') {
        return fc.oneof(
          fc.bigInt({ min, max }).map(String),
          fc.integer({ min: datatype === 'UINT64' ? 0 : -(2 ** 53 - 1), max: 2 ** 53 - 1 }),
        );
      }
      return fc.integer({ min: Number(min), max: Number(max) });
    }
  }
}

/** A valid input tensor: any datatype, a small shape, data flat or nested like the shape. */
export function tensor(
  name: string,
  datatypes: readonly Datatype[] = DATATYPES,
  shapes: fc.Arbitrary<number[]> = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({ datatype: fc.constantFrom(...datatypes), shape: shapes, nested: fc.boolean() })
    .chain(({ datatype, shape, nested }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return fc
        .array(element(datatype), { minLength: count, maxLength: count })
        .map((flat) => ({ name, datatype, shape, data: nested ? nest(flat, shape) : flat }));
    });
}

const id = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 12 }));
const parameters = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.dictionary(
    fc.string({ maxLength: 6 }).filter((k) => !['content_type', 'headers', 'binary_data_output'].includes(k)),
    fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()),
    { maxKeys: 2 },
  ),
);

/** A valid request for `echo` (and `words`): up to three inputs of any datatype. */
export const echoRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .record({ count: fc.integer({ min: 0, max: 3 }), id, parameters })
  .chain(({ count, id, parameters }) =>
    fc
      .tuple(...Array.from({ length: count }, (_, i) => tensor(['a', 'bé', '入力'][i]!)))
      .map((inputs) => withOptional({ inputs }, { id, parameters })),
  );

/** A valid request for `typed`: `x` FP32 [k, 2] and `n` INT64 [m]. */
export const typedRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    x: tensor('x', ['FP32'], fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constant(2))),
    n: tensor('n', ['INT64'], fc.tuple(fc.integer({ min: 0, max: 4 }))),
    swap: fc.boolean(),
    id,
    parameters,
  })
  .map(({ x, n, swap, id, parameters }) =>
    withOptional({ inputs: swap ? [n, x] : [x, n] }, { id, parameters }),
  );

function withOptional(
  body: Record<string, unknown>,
  optional: Record<string, unknown>,
): Record<string, unknown> {
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) body[key] = value;
  return body;
}

/** A valid request for `frames`: one INT16 `audio` input. */
export const audioRequest: fc.Arbitrary<Record<string, unknown>> = tensor(
  'audio',
  ['INT16'],
  fc.tuple(fc.integer({ min: 0, max: 40 })),
).map((audio) => ({ inputs: [audio] }));

/** A valid request for the bundled `iris-classifier` (ONNX): `features` FP32 [k, 4]. */
export const irisRequest: fc.Arbitrary<Record<string, unknown>> = tensor(
  'features',
  ['FP32'],
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constant(4)),
).map((features) => ({ inputs: [features] }));
