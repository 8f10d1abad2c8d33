import { toTypedArray } from '../codecs/tensor-codec.js';
import { DATATYPE_INFO, type TypedArrayConstructor } from '../codecs/datatypes.js';
import { InvalidInputError } from '../errors.js';
import type { Datatype, TensorData } from '../types.js';
import { DATATYPES } from '../types.js';
import { bytesOf, flatElements } from './tensor-data.js';

/**
 * Reads one `raw_input_contents` entry (row-major, little-endian) into the core's data: the
 * datatype's typed array (FP16/BF16 as raw 16-bit values, BOOL as 0/1 bytes), or for BYTES a
 * list of byte arrays, each preceded on the wire by its 4-byte little-endian length.
 */
export function rawToData(label: string, datatype: string, raw: Uint8Array): TensorData {
  if (!(DATATYPES as readonly string[]).includes(datatype)) return [];
  const dt = datatype as Datatype;
  if (dt === 'BYTES') return splitBytes(label, raw);
  const { byteSize, array } = DATATYPE_INFO[dt];
  if (raw.byteLength % byteSize !== 0) {
    throw new InvalidInputError(
      `${label} (${dt}): raw contents hold ${raw.byteLength} bytes, not a multiple of the element size ${byteSize}`,
    );
  }
  const ctor = array as TypedArrayConstructor;
  // A typed array view must start at a multiple of its element size; copy when it does not.
  const source = raw.byteOffset % byteSize === 0 ? raw : new Uint8Array(raw);
  return new ctor(source.buffer as ArrayBuffer, source.byteOffset, raw.byteLength / byteSize);
}

function splitBytes(label: string, raw: Uint8Array): Uint8Array[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < raw.byteLength) {
    if (offset + 4 > raw.byteLength) {
      throw new InvalidInputError(
        `${label} (BYTES): raw contents end inside the length of element ${elements.length}`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > raw.byteLength) {
      throw new InvalidInputError(
        `${label} (BYTES): element ${elements.length} declares ${length} bytes but only ${raw.byteLength - offset} remain`,
      );
    }
    elements.push(raw.subarray(offset, offset + length));
    offset += length;
  }
  return elements;
}

/** Writes a response tensor's data (list or typed array) as one `raw_output_contents` entry. */
export function dataToRaw(datatype: Datatype, data: TensorData): Buffer {
  const flat = flatElements(data);
  if (datatype === 'BYTES') {
    const parts = Array.from(flat, bytesOf);
    const out = Buffer.allocUnsafe(parts.reduce((sum, part) => sum + 4 + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      offset = out.writeUInt32LE(part.byteLength, offset);
      offset += part.copy(out, offset);
    }
    return out;
  }
  if (datatype === 'BOOL') {
    const bytes =
      flat instanceof Uint8Array
        ? flat
        : Uint8Array.from(flat, (v) => (v === true || (v !== false && Number(v) !== 0) ? 1 : 0));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const typed = toTypedArray(datatype, flat);
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}
