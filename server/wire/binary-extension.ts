import { DATATYPE_INFO } from '../codecs/datatypes.js';
import { decodeRawTensor, encodeRawTensor } from '../codecs/raw-tensor.js';
import { InvalidInputError } from '../errors.js';
import type {
  InferenceRequest,
  InferenceResponse,
  ModelMetadata,
  Parameters,
  TensorMetadata,
} from '../types.js';
import { DATATYPES } from '../types.js';

/** Triton's binary tensor extension: the header that says how long the JSON part is. */
export const HEADER_LENGTH = 'inference-header-content-length';

/**
 * Splits a binary-extension body: the JSON header (`headerLength` bytes), then each input with
 * `parameters.binary_data_size` takes that many bytes, in order. Every framing error names what
 * does not add up.
 */
export function parseBinaryRequest(
  body: Buffer,
  headerLength: number,
  /** Decodes the JSON header (the bounded JSON decoder of `json-request.ts`). */
  readHeader: (bytes: Uint8Array, what: string) => Record<string, unknown>,
): Record<string, unknown> {
  if (headerLength > body.byteLength) {
    throw new InvalidInputError(
      `Inference-Header-Content-Length is ${headerLength} but the body holds only ${body.byteLength} bytes`,
    );
  }
  const header = readHeader(body.subarray(0, headerLength), 'the JSON header of a binary request');
  const inputs = header.inputs;
  if (!Array.isArray(inputs)) return header;
  let offset = headerLength;
  header.inputs = inputs.map((input: unknown, index: number) => {
    const size = binarySize(input, `inputs[${index}]`);
    if (size === undefined) return input;
    const tensor = input as { name?: unknown; datatype?: unknown; shape?: unknown; parameters: Parameters };
    const label = `input '${String(tensor.name)}'`;
    if (offset + size > body.byteLength) {
      throw new InvalidInputError(
        `${label}: binary_data_size ${size} exceeds the ${body.byteLength - offset} bytes left in the body`,
      );
    }
    checkDatatypeAndShape(label, tensor.datatype, tensor.shape);
    const bytes = body.subarray(offset, offset + size);
    offset += size;
    const { binary_data_size: _, ...parameters } = tensor.parameters;
    return {
      ...tensor,
      parameters,
      data: decodeRawTensor(
        label,
        tensor.datatype as (typeof DATATYPES)[number],
        tensor.shape as number[],
        bytes,
      ),
    };
  });
  if (offset !== body.byteLength) {
    throw new InvalidInputError(
      `the body holds ${body.byteLength - headerLength} bytes after the JSON header but the inputs' binary_data_size add up to ${offset - headerLength}`,
    );
  }
  return header;
}

/**
 * A raw binary request (`Inference-Header-Content-Length: 0`): the whole body is the one input
 * of a single-input model, whose metadata gives the name, datatype and shape (one -1 is inferred).
 */
export function parseRawRequest(body: Buffer, metadata: ModelMetadata): InferenceRequest {
  if (metadata.inputs.length !== 1) {
    throw new InvalidInputError(
      `a raw binary request (Inference-Header-Content-Length: 0) needs a model with exactly one declared input; '${metadata.name}' declares ${metadata.inputs.length}`,
    );
  }
  const input = metadata.inputs[0]!;
  const shape = inferShape(input, body.byteLength);
  return {
    inputs: [
      {
        name: input.name,
        datatype: input.datatype,
        shape,
        data: decodeRawTensor(`input '${input.name}'`, input.datatype, shape, body),
      },
    ],
    parameters: { binary_data_output: true },
  };
}

function inferShape(input: TensorMetadata, byteLength: number): number[] {
  const size = DATATYPE_INFO[input.datatype].byteSize;
  const dynamic = input.shape.filter((d) => d < 0).length;
  if (dynamic === 0 || size === 0) return input.shape.map((d) => (d < 0 ? 1 : d));
  if (dynamic > 1) {
    throw new InvalidInputError(
      `a raw binary request cannot infer the shape ${JSON.stringify(input.shape)} of input '${input.name}'`,
    );
  }
  const known = input.shape.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
  const elements = byteLength / size;
  const missing = known === 0 ? 0 : elements / known;
  if (!Number.isInteger(missing)) {
    throw new InvalidInputError(
      `input '${input.name}': ${byteLength} bytes of ${input.datatype} do not fill shape ${JSON.stringify(input.shape)}`,
    );
  }
  return input.shape.map((d) => (d < 0 ? missing : d));
}

/** Which outputs the client wants binary: `binary_data` per output, else `binary_data_output` for all. */
export function binaryOutputSelector(request: InferenceRequest): (name: string) => boolean {
  const all = request.parameters?.binary_data_output === true;
  const perOutput = new Map((request.outputs ?? []).map((o) => [o.name, o.parameters?.binary_data]));
  return (name) => {
    const explicit = perOutput.get(name);
    return typeof explicit === 'boolean' ? explicit : all;
  };
}

/** A binary-extension response: the JSON header, then the blobs, written without joining them. */
export interface BinaryResponse {
  header: Buffer;
  blobs: Uint8Array[];
  byteLength: number;
}

/**
 * Encodes a response with the chosen outputs as binary blobs after the JSON header; returns
 * undefined when no output is binary (plain JSON then). Typed-array data is not copied.
 */
export function encodeBinaryResponse(
  response: InferenceResponse,
  isBinary: (name: string) => boolean,
  toJson: (response: InferenceResponse) => InferenceResponse,
): BinaryResponse | undefined {
  if (!response.outputs.some((o) => isBinary(o.name))) return undefined;
  const blobs: Uint8Array[] = [];
  const jsonOutputs = toJson({
    ...response,
    outputs: response.outputs.filter((o) => !isBinary(o.name)),
  }).outputs;
  const outputs = response.outputs.map((output) => {
    if (!isBinary(output.name)) return jsonOutputs.shift()!;
    const blob = encodeRawTensor(output.datatype, output.data);
    blobs.push(blob);
    const { data: _, ...rest } = output;
    return { ...rest, parameters: { ...output.parameters, binary_data_size: blob.byteLength } };
  });
  const header = Buffer.from(JSON.stringify({ ...response, outputs }));
  const byteLength = blobs.reduce((sum, blob) => sum + blob.byteLength, header.byteLength);
  return { header, blobs, byteLength };
}

/** Reads the header-length header: absent, or a non-negative integer. */
export function readHeaderLength(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const length = Number(text);
  if (!Number.isInteger(length) || length < 0 || text?.trim() === '') {
    throw new InvalidInputError(
      `Inference-Header-Content-Length must be a non-negative integer, not ${JSON.stringify(text)}`,
    );
  }
  return length;
}

function binarySize(input: unknown, label: string): number | undefined {
  const size = (input as { parameters?: { binary_data_size?: unknown } } | null)?.parameters
    ?.binary_data_size;
  if (size === undefined) return undefined;
  if (!Number.isInteger(size) || (size as number) < 0) {
    throw new InvalidInputError(`${label}: binary_data_size must be a non-negative integer`);
  }
  return size as number;
}

function checkDatatypeAndShape(label: string, datatype: unknown, shape: unknown): void {
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype)) {
    throw new InvalidInputError(
      `${label} has unknown datatype ${JSON.stringify(datatype)}; expected one of ${DATATYPES.join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidInputError(
      `${label} has shape ${JSON.stringify(shape)}; dimensions must be non-negative integers`,
    );
  }
}
