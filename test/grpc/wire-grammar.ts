import fc from 'fast-check';
import { DATATYPES } from '../../server/types.js';

/**
 * `ModelInferRequest`s written field by field, the way any valid protobuf writer may: fields in
 * any order and repeated (the last scalar wins, a repeated message replaces), repeated numbers
 * packed, unpacked or split across records, unknown fields of every wire type (groups too)
 * anywhere, 64-bit and negative varints at full length. protobufjs never writes most of these;
 * the codec must read them as protobufjs reads them.
 */

/** A varint of up to 64 bits. */
export function varint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

function tag(field: number, wireType: number): Buffer {
  return varint(BigInt(field * 8 + wireType));
}

/** A length-delimited field. */
export function delimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(field, 2), varint(BigInt(payload.length)), payload]);
}

function varintField(field: number, value: bigint): Buffer {
  return Buffer.concat([tag(field, 0), varint(value)]);
}

const text = fc.string({ unit: 'binary', maxLength: 8 }).map((s) => Buffer.from(s));
const stringField = (field: number) => text.map((b) => delimited(field, b));

const any64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 53n) - 2n, max: 2n ** 53n + 2n }),
  fc.bigInt({ min: -3n, max: 300n }),
);

/** An unknown field (numbers 9 to 3000) of any wire type, groups holding more unknown fields. */
const unknownField: fc.Arbitrary<Buffer> = fc.letrec<{ field: Buffer }>((tie) => ({
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.integer({ min: 9, max: 3000 }), any64).map(([f, v]) => varintField(f, v)),
    fc
      .tuple(fc.integer({ min: 9, max: 3000 }), fc.uint8Array({ minLength: 8, maxLength: 8 }))
      .map(([f, b]) => Buffer.concat([tag(f, 1), b])),
    fc
      .tuple(fc.integer({ min: 9, max: 3000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
      .map(([f, b]) => Buffer.concat([tag(f, 5), b])),
    fc
      .tuple(fc.integer({ min: 9, max: 3000 }), fc.uint8Array({ maxLength: 6 }))
      .map(([f, b]) => delimited(f, Buffer.from(b))),
    fc
      .tuple(fc.integer({ min: 9, max: 3000 }), fc.array(tie('field'), { maxLength: 2 }))
      .map(([f, inner]) => Buffer.concat([tag(f, 3), ...inner, tag(f, 4)])),
  ),
})).field;

/** A message: some of `fields` (each any number of times, in any order) and unknown fields. */
function message(fields: fc.Arbitrary<Buffer>[], maxLength = 5): fc.Arbitrary<Buffer> {
  return fc
    .array(fc.oneof({ weight: 6, arbitrary: fc.oneof(...fields) }, { weight: 1, arbitrary: unknownField }), {
      maxLength,
    })
    .map((parts) => Buffer.concat(parts));
}

const inferParameter = message(
  [
    fc.constantFrom(0n, 1n).map((v) => varintField(1, v)),
    any64.map((v) => varintField(2, v)),
    stringField(3),
    fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.concat([tag(4, 1), b])),
    any64.map((v) => varintField(5, v)),
  ],
  3,
);

const key = fc.oneof(
  text,
  fc.constantFrom('__proto__', '0', 'content_type').map((s) => Buffer.from(s)),
);

/** A map entry: usually key then value, sometimes reversed, repeated or without one of them. */
const entry = fc
  .oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(key, inferParameter).map(([k, v]) => [delimited(1, k), delimited(2, v)]),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(key, inferParameter).map(([k, v]) => [delimited(2, v), delimited(1, k)]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, inferParameter, unknownField)
        .map(([k, v, u]) => [u, delimited(1, k), delimited(2, v), delimited(2, v)]),
    },
    { weight: 1, arbitrary: key.map((k) => [delimited(1, k)]) },
  )
  .map((parts) => Buffer.concat(parts));

/** Elements of each contents field, as their wire bytes (varints or fixed-width). */
const ELEMENTS: Record<number, fc.Arbitrary<Buffer>> = {
  1: fc.constantFrom(0n, 1n).map(varint),
  2: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => varint(BigInt(v))),
  3: any64.map(varint),
  4: fc
    .oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 300 }))
    .map((v) => varint(BigInt(v))),
  5: any64.map(varint),
  6: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Buffer.from(b)),
  7: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b)),
};
const WIRE_TYPE: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 5, 7: 1 };

/** One record of a numeric contents field: packed (several elements) or one unpacked element. */
function numbersRecord(field: number): fc.Arbitrary<Buffer> {
  const element = ELEMENTS[field]!;
  return fc.oneof(
    fc.array(element, { maxLength: 5 }).map((items) => delimited(field, Buffer.concat(items))),
    element.map((item) => Buffer.concat([tag(field, WIRE_TYPE[field]!), item])),
  );
}

/** `InferTensorContents`: usually one field (in one or several records), sometimes several. */
const contents = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 })).chain(([field, records]) =>
    fc
      .array(
        field === 8
          ? fc.uint8Array({ maxLength: 5 }).map((b) => delimited(8, Buffer.from(b)))
          : numbersRecord(field),
        {
          minLength: records,
          maxLength: records,
        },
      )
      .map((parts) => Buffer.concat(parts)),
  ),
  message(
    [1, 2, 3, 4, 5, 6, 7]
      .map(numbersRecord)
      .concat(fc.uint8Array({ maxLength: 4 }).map((b) => delimited(8, Buffer.from(b)))),
  ),
);

const datatype = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...DATATYPES) },
  { weight: 1, arbitrary: fc.constantFrom('', 'FP8') },
);

const shapeRecord = fc.oneof(
  fc
    .array(fc.oneof(fc.integer({ min: -1, max: 4 }).map(BigInt), any64), { maxLength: 3 })
    .map((dims) => delimited(3, Buffer.concat(dims.map(varint)))),
  fc.integer({ min: 0, max: 4 }).map((d) => varintField(3, BigInt(d))),
);

const inputTensor = message(
  [
    stringField(1),
    datatype.map((dt) => delimited(2, Buffer.from(dt))),
    shapeRecord,
    entry.map((e) => delimited(4, e)),
    contents.map((c) => delimited(5, c)),
  ],
  6,
);

const outputTensor = message([stringField(1), entry.map((e) => delimited(2, e))], 3);

/** A `ModelInferRequest`'s bytes, written field by field. */
export const wireRequest = message(
  [
    fc.oneof(fc.constant(delimited(1, Buffer.from('m'))), stringField(1)),
    stringField(2),
    stringField(3),
    entry.map((e) => delimited(4, e)),
    inputTensor.map((t) => delimited(5, t)),
    inputTensor.map((t) => delimited(5, t)),
    outputTensor.map((t) => delimited(6, t)),
    fc.uint8Array({ maxLength: 12 }).map((b) => delimited(7, Buffer.from(b))),
  ],
  8,
);
