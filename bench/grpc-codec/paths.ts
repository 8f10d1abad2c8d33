import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, createFileRegistry, type DescMessage, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { InferenceResponse, Parameters, TensorData } from '../../server/types.js';

/**
 * The three ways the gRPC codec bench turns `ModelInferRequest` bytes into the core's request
 * and the core's response into `ModelInferResponse` bytes:
 *
 * - `proto-loader`: the server before the wire codec (proto-loader + protobufjs objects, then the
 *   converters; responses as lists, as the converters built them then);
 * - `bufbuild`: `@bufbuild/protobuf` v2 (`fromBinary`/`create`/`toBinary` on the descriptors of
 *   `protos/descriptors.binpb`; generated code from protoc-gen-es v2 reaches the very same
 *   descriptors and reflective runtime) plus a minimal conversion to and from the core's types
 *   (no field or range checks: kinder to it than the real converters would be);
 * - `hand`: the wire codec of `server/grpc/codec/`.
 */
export interface CodecPath {
  decode(bytes: Buffer): unknown;
  encode(response: InferenceResponse, raw: boolean): Uint8Array;
}

/** The names of the paths, in table order. */
export const PATHS = ['proto-loader', 'bufbuild', 'hand'] as const;

/** One of the paths. */
export type PathName = (typeof PATHS)[number];

/** The built server's modules (`dist/`), as a real server runs them. */
export async function builtModules(repoRoot: string) {
  const dist = (file: string) => pathToFileURL(path.join(repoRoot, 'dist', 'server', file)).href;
  return {
    protos: (await import(dist('grpc/protos.js'))) as typeof import('../../server/grpc/protos.js'),
    converters: (await import(
      dist('grpc/converters.js')
    )) as typeof import('../../server/grpc/converters.js'),
    decoder: (await import(
      dist('grpc/codec/infer-request-decoder.js')
    )) as typeof import('../../server/grpc/codec/infer-request-decoder.js'),
    encoder: (await import(
      dist('grpc/codec/infer-response-encoder.js')
    )) as typeof import('../../server/grpc/codec/infer-response-encoder.js'),
    rawTensor: (await import(
      dist('codecs/raw-tensor.js')
    )) as typeof import('../../server/codecs/raw-tensor.js'),
    tensorData: (await import(
      dist('grpc/tensor-data.js')
    )) as typeof import('../../server/grpc/tensor-data.js'),
  };
}

type Modules = Awaited<ReturnType<typeof builtModules>>;

/** Builds one path. */
export function codecPath(name: PathName, modules: Modules, repoRoot: string): CodecPath {
  if (name === 'bufbuild') return bufbuildPath(modules, repoRoot);
  const { converters } = modules;
  if (name === 'hand') {
    const { decodeInferRequest } = modules.decoder;
    const { encodeInferResponse } = modules.encoder;
    return {
      decode: (bytes) => converters.requestFromProto(decodeInferRequest(bytes)),
      encode: (response, raw) => encodeInferResponse(converters.responseToProto(response, raw)),
    };
  }
  const method = modules.protos.loadProtoLoaderService('inference.GRPCInferenceService').ModelInfer!;
  const { int64String } = modules.tensorData;
  const asLists = (proto: ReturnType<typeof converters.responseToProto>) => ({
    ...proto,
    outputs: proto.outputs.map((output) => {
      const contents = output.contents;
      if (!contents) return output;
      const lists: Record<string, unknown> = {};
      for (const [field, values] of Object.entries(contents)) {
        if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
          lists[field] = Array.from(values, int64String);
        } else if (ArrayBuffer.isView(values)) {
          lists[field] = Array.from(values as unknown as ArrayLike<number>, Number);
        } else lists[field] = values;
      }
      return { ...output, contents: lists };
    }),
  });
  return {
    decode: (bytes) => converters.requestFromProto(method.requestDeserialize(bytes) as never),
    encode: (response, raw) => method.responseSerialize(asLists(converters.responseToProto(response, raw))),
  };
}

// ---------------------------------------------------------------------------------------------
// @bufbuild/protobuf

interface BufParameter {
  parameterChoice: { case?: string; value?: unknown };
}
interface BufContents {
  boolContents: boolean[];
  intContents: number[];
  int64Contents: bigint[];
  uintContents: number[];
  uint64Contents: bigint[];
  fp32Contents: number[];
  fp64Contents: number[];
  bytesContents: Uint8Array[];
}
interface BufTensor {
  name: string;
  datatype: string;
  shape: bigint[];
  parameters: Record<string, BufParameter>;
  contents?: BufContents;
}
interface BufRequest {
  modelName: string;
  modelVersion: string;
  id: string;
  parameters: Record<string, BufParameter>;
  inputs: BufTensor[];
  outputs: { name: string; parameters: Record<string, BufParameter> }[];
  rawInputContents: Uint8Array[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bufParametersToCore(map: Record<string, BufParameter>): Parameters | undefined {
  const keys = Object.keys(map);
  if (keys.length === 0) return undefined;
  const out: Parameters = {};
  for (const key of keys) {
    const { value } = map[key]!.parameterChoice;
    out[key] = typeof value === 'bigint' && value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
  }
  return out;
}

function bufContentsToCore(datatype: string, c: BufContents | undefined): TensorData {
  if (!c) return [];
  switch (datatype) {
    case 'BOOL':
      return c.boolContents;
    case 'BYTES':
      return c.bytesContents;
    case 'INT8':
      return Int8Array.from(c.intContents);
    case 'INT16':
      return Int16Array.from(c.intContents);
    case 'INT32':
      return Int32Array.from(c.intContents);
    case 'INT64':
      return BigInt64Array.from(c.int64Contents);
    case 'UINT8':
      return Uint8Array.from(c.uintContents);
    case 'UINT16':
      return Uint16Array.from(c.uintContents);
    case 'UINT32':
      return Uint32Array.from(c.uintContents);
    case 'UINT64':
      return BigUint64Array.from(c.uint64Contents);
    case 'FP32':
      return Float32Array.from(c.fp32Contents);
    case 'FP64':
      return Float64Array.from(c.fp64Contents);
    default:
      return [];
  }
}

function coreParametersToBuf(parameters: Parameters | undefined): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (value === undefined || value === null) continue;
    let choice: { case: string; value: unknown };
    if (typeof value === 'boolean') choice = { case: 'boolParam', value };
    else if (typeof value === 'string') choice = { case: 'stringParam', value };
    else if (typeof value === 'number')
      choice = Number.isInteger(value)
        ? { case: 'int64Param', value: BigInt(value) }
        : { case: 'doubleParam', value };
    else if (typeof value === 'bigint') choice = { case: 'int64Param', value };
    else choice = { case: 'stringParam', value: JSON.stringify(value) };
    out[key] = { parameterChoice: choice };
  }
  return out;
}

const CONTENTS_FIELD: Record<string, string> = {
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

function bufbuildPath(modules: Modules, repoRoot: string): CodecPath {
  const set = fromBinary(
    FileDescriptorSetSchema,
    readFileSync(path.join(repoRoot, 'protos', 'descriptors.binpb')),
  );
  const registry = createFileRegistry(set);
  const requestSchema = registry.getMessage('inference.ModelInferRequest') as DescMessage;
  const responseSchema = registry.getMessage('inference.ModelInferResponse') as DescMessage;
  const { decodeRawTensor, encodeRawTensor } = modules.rawTensor;
  return {
    decode(bytes) {
      const m = fromBinary(requestSchema, bytes) as unknown as BufRequest;
      const raw = m.rawInputContents.length > 0;
      const inputs = m.inputs.map((t, i) => {
        const shape = t.shape.map(Number);
        const label = `input '${t.name}'`;
        const tensor: Record<string, unknown> = {
          name: t.name,
          datatype: t.datatype,
          shape,
          data: raw
            ? decodeRawTensor(label, t.datatype as never, shape, m.rawInputContents[i]!)
            : bufContentsToCore(t.datatype, t.contents),
        };
        const parameters = bufParametersToCore(t.parameters);
        if (parameters) tensor.parameters = parameters;
        return tensor;
      });
      const body: Record<string, unknown> = { inputs };
      if (m.id) body.id = m.id;
      const parameters = bufParametersToCore(m.parameters);
      if (parameters) body.parameters = parameters;
      if (m.outputs.length > 0) {
        body.outputs = m.outputs.map((o) => {
          const p = bufParametersToCore(o.parameters);
          return p ? { name: o.name, parameters: p } : { name: o.name };
        });
      }
      return { ref: { name: m.modelName, version: m.modelVersion || undefined }, body, raw };
    },
    encode(response, raw) {
      const useRaw = raw || response.outputs.some((o) => o.datatype === 'FP16' || o.datatype === 'BF16');
      const message = create(responseSchema, {
        modelName: response.model_name ?? '',
        modelVersion: response.model_version ?? '',
        id: response.id ?? '',
        parameters: coreParametersToBuf(response.parameters),
        outputs: response.outputs.map((o) => ({
          name: o.name,
          datatype: o.datatype,
          shape: o.shape.map(BigInt),
          parameters: coreParametersToBuf(o.parameters),
          contents: useRaw
            ? undefined
            : { [CONTENTS_FIELD[o.datatype]!]: Array.from(o.data as ArrayLike<unknown>) },
        })),
        rawOutputContents: useRaw ? response.outputs.map((o) => encodeRawTensor(o.datatype, o.data)) : [],
      } as never);
      return toBinary(responseSchema, message);
    },
  };
}
