import fc from 'fast-check';
import { DATATYPES } from '../../server/types.js';

/**
 * fast-check arbitraries for the gRPC wire codec's tests: messages as proto-loader objects (for
 * protobufjs to encode) and as raw wire fields (for encodings protobufjs never writes: unpacked
 * and split repeated fields, duplicates, unknown fields and groups, any field order).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Well-formed strings (no lone surrogates), short. */
export const text = fc.string({ unit: 'binary', maxLength: 10 });

/** Keys a parameter map may have, including the awkward ones. */
const key = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', '0', '17', 'content_type', 'headers'));

/** An int64 as proto-loader takes it: a decimal string (full range, small values likelier). */
export const int64String = fc
  .oneof(
    fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
    fc.bigInt({ min: -(2n ** 53n) - 2n, max: 2n ** 53n + 2n }),
    fc.bigInt({ min: -300n, max: 300n }),
  )
  .map(String);

/** A uint64 as a decimal string. */
export const uint64String = fc
  .oneof(fc.bigInt({ min: 0n, max: UINT64_MAX }), fc.bigInt({ min: 0n, max: 2n ** 53n + 2n }))
  .map(String);

/** An `InferParameter` object with one (or no) choice set. */
export const parameter = fc.oneof(
  fc.record({ bool_param: fc.boolean() }),
  fc.record({ int64_param: int64String }),
  fc.record({ string_param: text }),
  fc.record({ double_param: fc.double() }),
  fc.record({ uint64_param: uint64String }),
  fc.constant({}),
);

/** Builds an object from entries with own properties only (a `__proto__` key included). */
export function ownObject<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  }
  return out;
}

/** A parameter map. */
export const parameters = fc.array(fc.tuple(key, parameter), { maxLength: 4 }).map(ownObject);

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const bytes = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b));

/** Arrays for every contents field. */
const fieldValues = {
  bool_contents: fc.array(fc.boolean(), { maxLength: 6 }),
  int_contents: fc.array(fc.oneof(int32, fc.integer({ min: -200, max: 300 })), { maxLength: 6 }),
  int64_contents: fc.array(int64String, { maxLength: 6 }),
  uint_contents: fc.array(fc.oneof(uint32, fc.integer({ min: 0, max: 70000 })), { maxLength: 6 }),
  uint64_contents: fc.array(uint64String, { maxLength: 6 }),
  fp32_contents: fc.array(fc.float(), { maxLength: 6 }),
  fp64_contents: fc.array(fc.double(), { maxLength: 6 }),
  bytes_contents: fc.array(bytes, { maxLength: 4 }),
};

type Field = keyof typeof fieldValues;

/** The contents field of each datatype (FP16/BF16: none). */
const FIELD_OF: Record<string, Field | undefined> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

/** Any subset of the contents fields, each with any values. */
const anyContents = fc.record(fieldValues, { requiredKeys: [] });

const datatype = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...DATATYPES) },
  { weight: 1, arbitrary: fc.constantFrom('', 'FP8', 'fp32', 'STRING') },
);

const shape = fc.oneof(
  fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }).map((dims) => dims.map(String)),
  fc.array(int64String, { maxLength: 3 }),
);

/** An input tensor with typed contents: usually only its datatype's field, sometimes anything. */
const typedInput = datatype.chain((dt) =>
  fc.record(
    {
      name: text,
      datatype: fc.constant(dt),
      shape,
      parameters,
      contents: fc.oneof(
        FIELD_OF[dt] ? fieldValues[FIELD_OF[dt]].map((values) => ({ [FIELD_OF[dt]!]: values })) : anyContents,
        anyContents,
      ),
    },
    { requiredKeys: [] },
  ),
);

const RAW_TYPES = DATATYPES.filter((dt) => dt !== 'BYTES');
const BYTE_SIZE: Record<string, number> = {
  BOOL: 1,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  FP16: 2,
  BF16: 2,
  INT32: 4,
  UINT32: 4,
  FP32: 4,
  INT64: 8,
  UINT64: 8,
  FP64: 8,
};

/** A tensor and its raw bytes: usually the right size, sometimes not; BYTES framed, sometimes badly. */
const rawInput = fc.oneof(
  fc
    .tuple(fc.constantFrom(...RAW_TYPES), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }))
    .chain(([dt, dims]) => {
      const count = dims.reduce((a, b) => a * b, 1);
      const size = count * BYTE_SIZE[dt]!;
      return fc.tuple(
        fc.record({ name: text, datatype: fc.constant(dt), shape: fc.constant(dims.map(String)) }),
        fc.oneof(
          { weight: 4, arbitrary: fc.uint8Array({ minLength: size, maxLength: size }) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: size + 3 }) },
        ),
      );
    }),
  fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 3 }).chain((items) =>
    fc.tuple(
      fc.record({
        name: text,
        datatype: fc.constant('BYTES'),
        shape: fc.constantFrom([String(items.length)], ['1', String(items.length)], ['7']),
      }),
      fc.constant(
        Buffer.concat(
          items.flatMap((b) => {
            const length = Buffer.alloc(4);
            length.writeUInt32LE(b.length);
            return [length, Buffer.from(b)];
          }),
        ),
      ),
    ),
  ),
);

const outputs = fc.array(fc.record({ name: text, parameters }, { requiredKeys: [] }), { maxLength: 3 });

const head = {
  model_name: fc.oneof(fc.constant('m'), text),
  model_version: fc.oneof(fc.constant(''), fc.constant('2'), text),
  id: text,
  parameters,
  outputs,
};

/** A `ModelInferRequest` with typed contents, as a proto-loader object. */
const typedRequest = fc.record(
  { ...head, inputs: fc.array(typedInput, { maxLength: 3 }) },
  { requiredKeys: [] },
);

/** A `ModelInferRequest` with raw contents (one entry per input, or a wrong count now and then). */
const rawRequest = fc
  .tuple(
    fc.record(head, { requiredKeys: [] }),
    fc.array(rawInput, { minLength: 1, maxLength: 3 }),
    fc.nat({ max: 9 }),
    fc.option(anyContents, { nil: undefined }),
  )
  .map(([message, pairs, dice, stray]) => {
    const inputs: Record<string, unknown>[] = pairs.map(([input]) => ({ ...input }));
    const raw = pairs.map(([, data]) => Buffer.from(data));
    if (dice === 0) raw.pop();
    if (dice === 1 && stray) inputs[0]!.contents = stray;
    return { ...message, inputs, raw_input_contents: raw };
  });

/** Any `ModelInferRequest` as a proto-loader object. */
export const inferRequest = fc.oneof(typedRequest, rawRequest);

// ---------------------------------------------------------------------------------------------
// Responses, as the converters (and Triton's stream) hand them to the serializer.

const int64Value = fc.oneof(
  int64String,
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.constantFrom(2 ** 63, -(2 ** 63), 2 ** 64, 1e300, -1e300, 2 ** 53 + 2),
);

const responseParameter = fc.oneof(
  fc.record({ bool_param: fc.boolean() }),
  fc.record({ int64_param: int64Value }),
  fc.record({ string_param: text }),
  fc.record({ double_param: fc.double() }),
  fc.record({ uint64_param: fc.oneof(uint64String, fc.integer({ min: -5, max: 2 ** 40 })) }),
);

const responseParameters = fc.array(fc.tuple(key, responseParameter), { maxLength: 3 }).map(ownObject);

/** Contents with every coercion protobufjs applies (fractions, NaN, out-of-range 64-bit). */
const responseContents = fc.record(
  {
    bool_contents: fc.array(fc.boolean(), { maxLength: 5 }),
    int_contents: fc.array(fc.oneof(int32, fc.double({ min: -1e10, max: 1e10, noNaN: true })), {
      maxLength: 5,
    }),
    int64_contents: fc.array(int64Value, { maxLength: 5 }),
    uint_contents: fc.array(fc.oneof(uint32, fc.integer({ min: -100, max: 100 })), { maxLength: 5 }),
    uint64_contents: fc.array(fc.oneof(uint64String, int64String), { maxLength: 5 }),
    fp32_contents: fc.array(fc.double(), { maxLength: 5 }),
    fp64_contents: fc.array(fc.double(), { maxLength: 5 }),
    bytes_contents: fc.array(bytes, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

const outputTensor = fc.record(
  {
    name: text,
    datatype: fc.constantFrom(...DATATYPES),
    shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 100 }), int64Value), { maxLength: 3 }),
    parameters: responseParameters,
    contents: fc.oneof(fc.constant(null), responseContents),
  },
  { requiredKeys: [] },
);

/** A `ModelInferResponse` object as `responseToProto` (or Triton's echo) builds it. */
export const inferResponse = fc.record(
  {
    model_name: text,
    model_version: text,
    id: text,
    parameters: responseParameters,
    outputs: fc.array(outputTensor, { maxLength: 3 }),
    raw_output_contents: fc.array(bytes, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

/** Triton's `ModelStreamInferResponse`. */
export const streamInferResponse = fc.record(
  { error_message: text, infer_response: inferResponse },
  { requiredKeys: [] },
);
