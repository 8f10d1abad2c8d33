import { InvalidInputError } from '../../errors.js';
import type { Parameters } from '../../types.js';
import type { ProtoInferRequest } from '../proto-types.js';
import { rawToData } from '../raw-contents.js';
import { type ContentsRanges, contentsData, holdsAnyElement, readContents } from './contents-decoder.js';
import { int64Number } from './int64.js';
import { readParameterEntry } from './parameters-decoder.js';
import { DECODED, type DecodedPayload } from './wire-request.js';
import { LEN, VARINT, WireReader } from './wire-reader.js';

/** An input tensor being read: the core's tensor object (data filled at the end) and its contents. */
interface PendingInput {
  tensor: { name?: string; datatype?: string; shape: number[]; data: unknown; parameters?: Parameters };
  parameters?: Parameters;
  contents?: ContentsRanges;
}

/**
 * grpc-js' `requestDeserialize` for `ModelInferRequest`: reads the wire bytes straight into the
 * core's request body (typed arrays for typed and raw contents, numeric tensors viewed in place
 * when aligned, 64-bit integers exact without Long or strings). It never throws: bytes that are
 * not a `ModelInferRequest`, and contents the core would refuse, are kept in the result and
 * thrown by `requestFromProto` as `InvalidInputError` (INVALID_ARGUMENT), in the order the
 * proto-loader path reported them.
 */
export function decodeInferRequest(bytes: Uint8Array): ProtoInferRequest {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new WireReader(buf, 0, buf.length, 'ModelInferRequest');
  const message: ProtoInferRequest = {};
  const inputs: PendingInput[] = [];
  const outputs: { name?: string; parameters?: Parameters }[] = [];
  const raw: Buffer[] = [];
  let parameters: Parameters | undefined;
  try {
    while (reader.pos < reader.end) {
      const tag = reader.tag();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field > 7) {
        reader.skip(wireType);
        continue;
      }
      reader.expect(wireType, LEN, field);
      switch (field) {
        case 1:
          message.model_name = reader.string();
          break;
        case 2:
          message.model_version = reader.string();
          break;
        case 3:
          message.id = reader.string();
          break;
        case 4:
          parameters ??= {};
          readParameterEntry(reader, reader.delimited(), parameters);
          break;
        case 5:
          inputs.push(readInput(reader, reader.delimited()));
          break;
        case 6:
          outputs.push(readOutput(reader, reader.delimited()));
          break;
        default:
          raw.push(reader.bytes());
      }
    }
  } catch (err) {
    return { [DECODED]: { body: {}, raw: false, malformed: err as Error } };
  }
  const payload: DecodedPayload = { body: {}, raw: raw.length > 0 };
  try {
    payload.body = requestBody(message, inputs, outputs, raw, parameters, reader);
  } catch (err) {
    payload.error = err;
  }
  message[DECODED] = payload;
  return message;
}

/** The core's body, by the rules (and with the messages) of `requestFromProto`. */
function requestBody(
  message: ProtoInferRequest,
  inputs: PendingInput[],
  outputs: { name?: string; parameters?: Parameters }[],
  raw: Buffer[],
  parameters: Parameters | undefined,
  reader: WireReader,
): Record<string, unknown> {
  const useRaw = raw.length > 0;
  if (useRaw && raw.length !== inputs.length) {
    throw new InvalidInputError(
      `raw_input_contents has ${raw.length} entries but the request has ${inputs.length} inputs; send one per input, in order`,
    );
  }
  const tensors = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const { tensor, contents, parameters: tensorParameters } = inputs[i]!;
    const label = `input '${tensor.name}'`;
    if (useRaw && holdsAnyElement(contents)) {
      throw new InvalidInputError(
        `${label} has contents while the request uses raw_input_contents; use one or the other`,
      );
    }
    tensor.data = useRaw
      ? rawToData(label, tensor.datatype as string, tensor.shape, raw[i]!)
      : contentsData(label, tensor.datatype, contents, reader);
    if (tensorParameters) tensor.parameters = tensorParameters;
    tensors[i] = tensor;
  }
  const body: Record<string, unknown> = { inputs: tensors };
  if (message.id) body.id = message.id;
  if (parameters) body.parameters = parameters;
  if (outputs.length > 0) body.outputs = outputs;
  return body;
}

/** Reads an `InferInputTensor` (up to `stop`). */
function readInput(reader: WireReader, stop: number): PendingInput {
  const pending: PendingInput = {
    tensor: { name: undefined, datatype: undefined, shape: [], data: undefined },
  };
  const { tensor } = pending;
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    switch (field) {
      case 1:
        reader.expect(wireType, LEN, 'inputs.name');
        tensor.name = reader.string();
        break;
      case 2:
        reader.expect(wireType, LEN, 'inputs.datatype');
        tensor.datatype = reader.string();
        break;
      case 3:
        readShape(reader, wireType, tensor.shape);
        break;
      case 4:
        reader.expect(wireType, LEN, 'inputs.parameters');
        pending.parameters ??= {};
        readParameterEntry(reader, reader.delimited(), pending.parameters);
        break;
      case 5:
        reader.expect(wireType, LEN, 'inputs.contents');
        // A second `contents` replaces the first, as protobufjs decodes it.
        pending.contents = readContents(reader, reader.delimited());
        break;
      default:
        reader.skip(wireType);
    }
  }
  reader.end = saved;
  return pending;
}

/** Reads `repeated int64 shape` (packed or not) as numbers, the nearest double of each. */
function readShape(reader: WireReader, wireType: number, shape: number[]): void {
  if (wireType === VARINT) {
    reader.varint64();
    shape.push(int64Number(reader.lo, reader.hi));
    return;
  }
  reader.expect(wireType, LEN, 'inputs.shape');
  const stop = reader.delimited();
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    reader.varint64();
    shape.push(int64Number(reader.lo, reader.hi));
  }
  reader.end = saved;
}

/** Reads an `InferRequestedOutputTensor` (up to `stop`) as the core's `{ name, parameters? }`. */
function readOutput(reader: WireReader, stop: number): { name?: string; parameters?: Parameters } {
  let name: string | undefined;
  let parameters: Parameters | undefined;
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1) {
      reader.expect(wireType, LEN, 'outputs.name');
      name = reader.string();
    } else if (field === 2) {
      reader.expect(wireType, LEN, 'outputs.parameters');
      parameters ??= {};
      readParameterEntry(reader, reader.delimited(), parameters);
    } else {
      reader.skip(wireType);
    }
  }
  reader.end = saved;
  return parameters ? { name, parameters } : { name };
}
