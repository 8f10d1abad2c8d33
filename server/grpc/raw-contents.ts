import { decodeRawTensor, encodeRawTensor } from '../codecs/raw-tensor.js';
import type { Datatype, TensorData } from '../types.js';
import { DATATYPES } from '../types.js';

/**
 * Reads one `raw_input_contents` entry with the core's raw tensor codec (the same framing as
 * REST's binary extension). A datatype or shape the core would reject is left for request
 * validation to name, so gRPC and REST report it with one message.
 */
export function rawToData(label: string, datatype: string, shape: unknown, raw: Uint8Array): TensorData {
  const validShape = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
  if (!(DATATYPES as readonly string[]).includes(datatype) || !validShape) return [];
  return decodeRawTensor(label, datatype as Datatype, shape as number[], raw);
}

/** Writes a response tensor's data (list or typed array) as one `raw_output_contents` entry, without copying typed arrays. */
export function dataToRaw(datatype: Datatype, data: TensorData): Buffer {
  const bytes = encodeRawTensor(datatype, data);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
