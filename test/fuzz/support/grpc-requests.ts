import fc from 'fast-check';
import type { Datatype } from '../../../server/types.js';
import { rawBytes } from './binary-requests.js';
import { sameElement } from './echo-oracle.js';
import type { InferResponseShape, OutputTensorShape as OutputTensor } from './grpc-wire.js';
import { element } from './requests.js';

/** Datatypes with a typed-contents field (FP16/BF16 travel only raw). */
const GRPC_DATATYPES: readonly Datatype[] = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP32',
  'FP64',
  'BYTES',
];

/** The typed-contents field of each datatype (protobuf-es names). */
const FIELD: Record<string, ContentsField> = {
  BOOL: 'boolContents',
  INT8: 'intContents',
  INT16: 'intContents',
  INT32: 'intContents',
  INT64: 'int64Contents',
  UINT8: 'uintContents',
  UINT16: 'uintContents',
  UINT32: 'uintContents',
  UINT64: 'uint64Contents',
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

type ContentsField =
  | 'boolContents'
  | 'intContents'
  | 'int64Contents'
  | 'uintContents'
  | 'uint64Contents'
  | 'fp32Contents'
  | 'fp64Contents'
  | 'bytesContents';
const FIELDS = [...new Set(Object.values(FIELD))];

/** One input: its elements as a client holds them. */
export interface GrpcInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  elements: unknown[];
}

/** A request before encoding: the model, the inputs, and whether they travel raw. */
export interface GrpcRequest {
  model: string;
  id: string;
  inputs: GrpcInput[];
  raw: boolean;
}

const input = (name: string): fc.Arbitrary<GrpcInput> =>
  fc
    .record({
      datatype: fc.constantFrom(...GRPC_DATATYPES),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    })
    .chain(({ datatype, shape }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return fc
        .array(element(datatype), { minLength: count, maxLength: count })
        .map((elements) => ({ name, datatype, shape, elements }));
    });

/** A valid ModelInferRequest for an echo model (`echo`, or `words` on a stream). */
export function grpcRequest(model: string): fc.Arbitrary<GrpcRequest> {
  return fc.record({
    model: fc.constant(model),
    id: fc.string({ maxLength: 8 }),
    inputs: fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => input(['a', 'b', 'c'][i]!)))),
    raw: fc.boolean(),
  });
}

/** Ways to make a well-formed message say something wrong. */
export type GrpcDamage =
  | { kind: 'field'; input: number; field: ContentsField }
  | { kind: 'count'; input: number; delta: number }
  | { kind: 'shape'; input: number; shape: bigint[] }
  | { kind: 'datatype'; input: number; value: string }
  | { kind: 'raw-count'; delta: number }
  | { kind: 'raw-cut'; input: number; bytes: number }
  | { kind: 'both' }
  | { kind: 'name'; input: number; value: string | null }
  | { kind: 'parameter'; input: number | null; key: string; value: unknown }
  | { kind: 'model'; name: string; version: string }
  | { kind: 'outputs'; names: string[] };

const parameterValue = fc.oneof(
  fc.record({ case: fc.constant('boolParam'), value: fc.boolean() }),
  fc.record({
    case: fc.constant('int64Param'),
    value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  }),
  fc.record({
    case: fc.constant('stringParam'),
    value: fc.oneof(
      fc.constantFrom('np', 'str', 'pd', 'base64', 'datetime', 'hg'),
      fc.string({ maxLength: 6 }),
    ),
  }),
  fc.record({ case: fc.constant('doubleParam'), value: fc.double() }),
  fc.record({ case: fc.constant('uint64Param'), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
);

export const grpcDamage: fc.Arbitrary<GrpcDamage> = fc.oneof(
  fc.record({ kind: fc.constant('field' as const), input: fc.nat(), field: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('count' as const), input: fc.nat(), delta: fc.constantFrom(-2, -1, 1, 2) }),
  fc.record({
    kind: fc.constant('shape' as const),
    input: fc.nat(),
    shape: fc.oneof(
      fc.constantFrom<bigint[]>(
        [-1n],
        [2n ** 40n],
        [],
        [0n],
        [3n, -3n],
        [2n ** 62n, 2n ** 62n],
        [2n ** 31n, 2n ** 31n, 4n],
      ),
      fc.array(fc.bigInt({ min: -2n, max: 5n }), { maxLength: 4 }),
    ),
  }),
  fc.record({
    kind: fc.constant('datatype' as const),
    input: fc.nat(),
    value: fc.constantFrom('FP16', 'BF16', 'fp32', '', 'STRING', 'TYPE_INT32', 'INT128', 'FP32\u0000'),
  }),
  fc.record({ kind: fc.constant('raw-count' as const), delta: fc.constantFrom(-1, 1, 2) }),
  fc.record({
    kind: fc.constant('raw-cut' as const),
    input: fc.nat(),
    bytes: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('both' as const) }),
  fc.record({
    kind: fc.constant('name' as const),
    input: fc.nat(),
    value: fc.constantFrom('', null, '💥', 'a b'),
  }),
  fc.record({
    kind: fc.constant('parameter' as const),
    input: fc.option(fc.nat()),
    key: fc.constantFrom('content_type', 'binary_data_size', 'binary_data_output', 'sequence_id', 'x'),
    value: parameterValue,
  }),
  fc.record({
    kind: fc.constant('model' as const),
    name: fc.constantFrom('nope', '', 'echo ', 'ECHO', '../echo'),
    version: fc.constantFrom('', '1', 'x'),
  }),
  fc.record({
    kind: fc.constant('outputs' as const),
    names: fc.array(fc.constantFrom('a', 'zz', ''), { maxLength: 2 }),
  }),
);

/** Converts elements for a contents field (as a client converting carelessly would). */
function forField(field: ContentsField, elements: readonly unknown[]): unknown[] {
  const number = (e: unknown) => (typeof e === 'string' ? Number(e === 'NaN' ? Number.NaN : e) : Number(e));
  switch (field) {
    case 'boolContents':
      return elements.map((e) => Boolean(e));
    case 'bytesContents':
      return elements.map((e) => Buffer.from(String(e), 'utf8'));
    case 'int64Contents':
    case 'uint64Contents':
      return elements.map((e) => {
        const n = typeof e === 'boolean' ? Number(e) : number(e);
        if (typeof e === 'string' && /^-?\d+$/.test(e)) return BigInt(e);
        return Number.isInteger(n) ? BigInt(n) : 0n;
      });
    case 'intContents':
    case 'uintContents':
      return elements
        .map((e) => Math.trunc(number(e)) | 0)
        .map((n) => (field === 'uintContents' ? n >>> 0 : n));
    default:
      return elements.map(number);
  }
}

/** The ModelInferRequest initializer (protobuf-es) of a request, with the damage applied. */
export function requestInit(request: GrpcRequest, damage: readonly GrpcDamage[]): Record<string, unknown> {
  const inputs = request.inputs.map((i) => ({
    name: i.name as string | null,
    datatype: i.datatype as string,
    shape: i.shape.map(BigInt),
    field: FIELD[i.datatype]!,
    elements: [...i.elements],
    parameters: {} as Record<string, unknown>,
  }));
  const init: Record<string, unknown> = { modelName: request.model, id: request.id, parameters: {} };
  let raw = request.inputs.map((i) => rawBytes(i.datatype, i.elements));
  let both = false;
  const pick = <T>(list: T[], n: number): T | undefined => list[n % Math.max(1, list.length)];
  for (const d of damage) {
    const target = 'input' in d && typeof d.input === 'number' ? pick(inputs, d.input) : undefined;
    switch (d.kind) {
      case 'field':
        if (target) target.field = d.field;
        break;
      case 'count':
        if (target) {
          target.elements =
            d.delta < 0
              ? target.elements.slice(0, Math.max(0, target.elements.length + d.delta))
              : [...target.elements, ...Array.from({ length: d.delta }, () => target.elements[0] ?? 1)];
          const index = inputs.indexOf(target);
          raw[index] = rawBytes(request.inputs[index]!.datatype, target.elements);
        }
        break;
      case 'shape':
        if (target) target.shape = d.shape;
        break;
      case 'datatype':
        if (target) target.datatype = d.value;
        break;
      case 'raw-count':
        raw =
          d.delta < 0
            ? raw.slice(0, -1)
            : [...raw, ...Array.from({ length: d.delta }, () => Buffer.alloc(4, 1))];
        break;
      case 'raw-cut': {
        const index = d.input % Math.max(1, raw.length);
        if (raw[index]) raw[index] = raw[index]!.subarray(0, Math.max(0, raw[index]!.length - d.bytes));
        break;
      }
      case 'both':
        both = true;
        break;
      case 'name':
        if (target) target.name = d.value === null ? (inputs[0]?.name ?? 'a') : d.value;
        break;
      case 'parameter': {
        const where = target ? target.parameters : (init.parameters as Record<string, unknown>);
        where[d.key] = { parameterChoice: d.value };
        break;
      }
      case 'model':
        init.modelName = d.name;
        init.modelVersion = d.version;
        break;
      case 'outputs':
        init.outputs = d.names.map((name) => ({ name }));
        break;
    }
  }
  init.inputs = inputs.map((i) => ({
    name: i.name ?? '',
    datatype: i.datatype,
    shape: i.shape,
    parameters: i.parameters,
    contents: request.raw && !both ? undefined : { [i.field]: forField(i.field, i.elements) },
  }));
  if (request.raw || both) init.rawInputContents = raw;
  return init;
}

/** The elements of each output of a ModelInferResponse (typed contents or raw). */
export function outputElements(response: InferResponseShape): unknown[][] {
  return response.outputs.map((output, i) => {
    const raw = response.rawOutputContents[i];
    if (response.rawOutputContents.length > 0 && raw)
      return fromRawElements(output.datatype as Datatype, Buffer.from(raw));
    const field = FIELD[output.datatype];
    const values: unknown[] = (field && output.contents?.[field]) ?? [];
    return values.map((v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'bigint' ? v.toString() : v,
    );
  });
}

function fromRawElements(datatype: Datatype, raw: Buffer): unknown[] {
  if (datatype === 'BYTES') {
    const out: unknown[] = [];
    for (let at = 0; at + 4 <= raw.length; ) {
      const length = raw.readUInt32LE(at);
      out.push(raw.subarray(at + 4, at + 4 + length).toString('utf8'));
      at += 4 + length;
    }
    return out;
  }
  const readers: Partial<Record<Datatype, [number, (at: number) => unknown]>> = {
    BOOL: [1, (at) => raw.readUInt8(at) !== 0],
    UINT8: [1, (at) => raw.readUInt8(at)],
    INT8: [1, (at) => raw.readInt8(at)],
    UINT16: [2, (at) => raw.readUInt16LE(at)],
    FP16: [2, (at) => raw.readUInt16LE(at)],
    BF16: [2, (at) => raw.readUInt16LE(at)],
    INT16: [2, (at) => raw.readInt16LE(at)],
    UINT32: [4, (at) => raw.readUInt32LE(at)],
    INT32: [4, (at) => raw.readInt32LE(at)],
    FP32: [4, (at) => raw.readFloatLE(at)],
    FP64: [8, (at) => raw.readDoubleLE(at)],
    UINT64: [8, (at) => raw.readBigUInt64LE(at).toString()],
    INT64: [8, (at) => raw.readBigInt64LE(at).toString()],
  };
  const reader = readers[datatype];
  if (!reader) return [];
  const out: unknown[] = [];
  for (let at = 0; at + reader[0] <= raw.length; at += reader[0]) out.push(reader[1](at));
  return out;
}

/** Why a ModelInferResponse is not the echo of a clean request (undefined when it is). */
export function grpcEchoDifference(request: GrpcRequest, response: InferResponseShape): string | undefined {
  if (response.modelName !== request.model) return `model_name ${response.modelName}`;
  if (response.outputs.length !== request.inputs.length) return `${response.outputs.length} outputs`;
  const elements = outputElements(response);
  for (const [i, input] of request.inputs.entries()) {
    const output = response.outputs[i]!;
    if (output.name !== input.name || output.datatype !== input.datatype)
      return `outputs[${i}] ${output.name} ${output.datatype}`;
    if (output.shape.map(Number).join() !== input.shape.join())
      return `outputs[${i}] shape ${output.shape.join()}`;
    const got = elements[i]!;
    if (got.length !== input.elements.length)
      return `outputs[${i}]: ${got.length} elements, not ${input.elements.length}`;
    for (let k = 0; k < got.length; k++) {
      if (!sameElement(input.datatype, input.elements[k], got[k]))
        return `outputs[${i}] element ${k}: ${String(got[k])} ≠ ${String(input.elements[k])}`;
    }
  }
  return undefined;
}

/** Why a ModelInferResponse to a damaged request is not well formed (undefined when it is). */
export function grpcResponseProblem(response: InferResponseShape): string | undefined {
  const elements = outputElements(response);
  for (const [i, output] of response.outputs.entries() as IterableIterator<[number, OutputTensor]>) {
    if (output.shape.some((d) => d < 0n)) return `outputs[${i}] shape ${output.shape.join()}`;
    const count = output.shape.reduce((a, b) => a * Number(b), 1);
    if (elements[i]!.length !== count)
      return `outputs[${i}]: ${elements[i]!.length} elements for shape [${output.shape.join()}]`;
  }
  return undefined;
}
