import { DATATYPE_INFO } from './codecs/datatypes.js';
import { decodeRawTensor } from './codecs/raw-tensor.js';
import { InvalidInputError } from './errors.js';
import type { InferenceRequest, TensorMetadata } from './types.js';

/**
 * A request made of one binary frame (a WebSocket binary message): the raw little-endian bytes
 * of the model's streaming input, as an audio client sends PCM. The shape is the input's
 * declared shape with its one free (-1) dimension sized by the frame (other free dimensions are
 * 1): for `input` FP32 `[-1, 512]` a 2048-byte frame is `[1, 512]`. A BYTES input takes the
 * whole frame as one element (a WAV file, say).
 */
export function frameRequest(
  input: TensorMetadata | undefined,
  model: string,
  bytes: Uint8Array,
): InferenceRequest {
  if (!input) {
    throw new InvalidInputError(
      `model '${model}' takes no binary frames: it has no single streaming input (set session.binary_input in its model-settings.json); send JSON requests`,
    );
  }
  if (input.datatype === 'BYTES') {
    return { inputs: [{ name: input.name, datatype: 'BYTES', shape: [1], data: [bytes] }] };
  }
  const size = DATATYPE_INFO[input.datatype].byteSize;
  if (bytes.byteLength % size !== 0) {
    throw new InvalidInputError(
      `a binary frame for input '${input.name}' (${input.datatype}) must hold whole ${size}-byte elements; got ${bytes.byteLength} bytes`,
    );
  }
  const shape = frameShape(input, bytes.byteLength / size);
  const data = decodeRawTensor(`binary frame for input '${input.name}'`, input.datatype, shape, bytes);
  return { inputs: [{ name: input.name, datatype: input.datatype, shape, data }] };
}

function frameShape(input: TensorMetadata, count: number): number[] {
  const declared = input.shape.length > 0 ? input.shape : [-1];
  const free = declared.lastIndexOf(-1);
  const fixed = declared.reduce((product, dim) => (dim === -1 ? product : product * dim), 1);
  if (free < 0 || fixed === 0 || count % fixed !== 0) {
    if (free < 0 && fixed === count) return [...declared];
    throw new InvalidInputError(
      `a binary frame of ${count} elements does not fit input '${input.name}' of shape ${JSON.stringify(input.shape)}`,
    );
  }
  return declared.map((dim, i) => (i === free ? count / fixed : dim === -1 ? 1 : dim));
}
