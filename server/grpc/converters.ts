import type { ModelRef } from '../dataplane.js';
import { InternalError, InvalidInputError } from '../errors.js';
import type {
  Datatype,
  InferenceResponse,
  ModelMetadata,
  Parameters,
  ResponseOutput,
  TensorMetadata,
} from '../types.js';
import { DATATYPES } from '../types.js';
import type {
  ProtoInferParameter,
  ProtoInferRequest,
  ProtoInferResponse,
  ProtoParameters,
  ProtoTensor,
} from './proto-types.js';
import { DECODED } from './codec/wire-request.js';
import { dataToRaw, rawToData } from './raw-contents.js';
import { contentsToData, dataToContents } from './tensor-contents.js';

/**
 * The one place where proto messages become the core's JSON-shaped types and back.
 */

/** A decoded `ModelInferRequest`: the model it addresses, the request body, and whether it used raw contents. */
export interface DecodedRequest {
  ref: ModelRef;
  body: Record<string, unknown>;
  raw: boolean;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = 9223372036854775807n;

/**
 * Reads a `ModelInferRequest`; typed or raw contents become the core's tensor data. A message
 * from the wire codec carries its body already decoded (see `codec/wire-request.ts`); a plain
 * proto-loader-shaped object is converted here.
 */
export function requestFromProto(message: ProtoInferRequest): DecodedRequest {
  const decoded = message[DECODED];
  if (decoded?.malformed) throw decoded.malformed;
  const name = message.model_name ?? '';
  if (name === '') throw new InvalidInputError('model_name is required');
  if (decoded) {
    // Decoded from the wire by the codec: the body is built, or holds the first problem.
    if (decoded.error !== undefined) throw decoded.error;
    return {
      ref: { name, version: message.model_version || undefined },
      body: decoded.body,
      raw: decoded.raw,
    };
  }
  const inputs = message.inputs ?? [];
  const rawContents = message.raw_input_contents ?? [];
  const raw = rawContents.length > 0;
  if (raw && rawContents.length !== inputs.length) {
    throw new InvalidInputError(
      `raw_input_contents has ${rawContents.length} entries but the request has ${inputs.length} inputs; send one per input, in order`,
    );
  }
  const body: Record<string, unknown> = {
    inputs: inputs.map((input, index) => {
      const label = `input '${input.name}'`;
      if (raw && hasContents(input)) {
        throw new InvalidInputError(
          `${label} has contents while the request uses raw_input_contents; use one or the other`,
        );
      }
      const data = raw
        ? rawToData(label, input.datatype, input.shape.map(Number), rawContents[index]!)
        : contentsToData(label, input.datatype, input.contents);
      const tensor: Record<string, unknown> = {
        name: input.name,
        datatype: input.datatype,
        shape: input.shape.map(Number),
        data,
      };
      const parameters = parametersFromProto(input.parameters);
      if (parameters) tensor.parameters = parameters;
      return tensor;
    }),
  };
  if (message.id) body.id = message.id;
  const parameters = parametersFromProto(message.parameters);
  if (parameters) body.parameters = parameters;
  if (message.outputs && message.outputs.length > 0) {
    body.outputs = message.outputs.map((output) => {
      const parameters = parametersFromProto(output.parameters);
      return parameters ? { name: output.name, parameters } : { name: output.name };
    });
  }
  return { ref: { name, version: message.model_version || undefined }, body, raw };
}

function hasContents(tensor: ProtoTensor): boolean {
  return Object.values(tensor.contents ?? {}).some((field) => Array.isArray(field) && field.length > 0);
}

/**
 * Writes a response as `ModelInferResponse`. Outputs go in typed contents, or all in
 * `raw_output_contents` when the request used raw inputs or an output is FP16/BF16 (which
 * have no typed field; raw entries are positional, so it is all or nothing).
 */
export function responseToProto(response: InferenceResponse, raw: boolean): ProtoInferResponse {
  const outputs = response.outputs.map(checkOutput);
  const useRaw = raw || outputs.some((o) => o.datatype === 'FP16' || o.datatype === 'BF16');
  return {
    model_name: response.model_name ?? '',
    model_version: response.model_version ?? '',
    id: response.id ?? '',
    parameters: parametersToProto(response.parameters),
    outputs: outputs.map((output) => ({
      name: output.name,
      datatype: output.datatype,
      shape: output.shape,
      parameters: parametersToProto(output.parameters),
      contents: useRaw ? null : dataToContents(`output '${output.name}'`, output.datatype, output.data),
    })),
    raw_output_contents: useRaw ? outputs.map((output) => dataToRaw(output.datatype, output.data)) : [],
  };
}

function checkOutput(output: ResponseOutput): ResponseOutput {
  if (!(DATATYPES as readonly string[]).includes(output.datatype as string)) {
    throw new InternalError(
      `model returned output '${output.name}' with unknown datatype ${JSON.stringify(output.datatype)}`,
    );
  }
  if (!Array.isArray(output.shape) || output.data === undefined) {
    throw new InternalError(`model returned output '${output.name}' without shape or data`);
  }
  return output;
}

/** Writes model metadata; tensor `parameters` are left out (field 6/4 differs between protos). */
export function metadataToProto(metadata: ModelMetadata): Record<string, unknown> {
  const tensor = (t: TensorMetadata) => ({ name: t.name, datatype: t.datatype as Datatype, shape: t.shape });
  return {
    name: metadata.name,
    versions: metadata.versions,
    platform: metadata.platform,
    inputs: metadata.inputs.map(tensor),
    outputs: metadata.outputs.map(tensor),
  };
}

/** Reads a parameter map into plain values; 64-bit integers beyond 2^53 become bigint. */
export function parametersFromProto(map: ProtoParameters | undefined): Parameters | undefined {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, parameter]) => [key, parameterValue(parameter)]));
}

function parameterValue(parameter: ProtoInferParameter): unknown {
  const choice = parameter.parameter_choice;
  if (choice === undefined) return undefined;
  const value = parameter[choice];
  if (choice === 'int64_param' || choice === 'uint64_param') {
    const big = BigInt(value as string);
    return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
  }
  return value;
}

/** Writes plain parameter values as `InferParameter`s; objects travel as JSON strings. */
export function parametersToProto(parameters: Parameters | undefined): ProtoParameters {
  const out: ProtoParameters = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') out[key] = { bool_param: value };
    else if (typeof value === 'string') out[key] = { string_param: value };
    else if (typeof value === 'number')
      out[key] = Number.isInteger(value) ? { int64_param: value } : { double_param: value };
    else if (typeof value === 'bigint')
      out[key] = value > INT64_MAX ? { uint64_param: value.toString() } : { int64_param: value.toString() };
    else out[key] = { string_param: JSON.stringify(value) };
  }
  return out;
}
