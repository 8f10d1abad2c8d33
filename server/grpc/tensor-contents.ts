import { DATATYPE_INFO, type TypedArrayConstructor } from '../codecs/datatypes.js';
import { InternalError, InvalidInputError } from '../errors.js';
import type { Datatype, TensorData } from '../types.js';
import { DATATYPES } from '../types.js';
import type { ProtoTensorContents } from './proto-types.js';
import { bytesOf, flatElements, int64String } from './tensor-data.js';

type ContentsField = keyof ProtoTensorContents;

/** The `InferTensorContents` field each datatype travels in; FP16 and BF16 have none (raw only). */
export const CONTENTS_FIELD: Readonly<Record<Datatype, ContentsField | undefined>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP16: undefined,
  BF16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const FIELDS: readonly ContentsField[] = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
];

/**
 * Reads a request tensor's typed contents into the core's data: numbers into the datatype's
 * typed array (64-bit exactly, as bigint), booleans as a list, BYTES as a list of byte arrays.
 * An unknown datatype yields an empty list; core validation then names the datatype.
 */
export function contentsToData(
  label: string,
  datatype: string,
  contents: ProtoTensorContents | null | undefined,
): TensorData {
  if (!(DATATYPES as readonly string[]).includes(datatype)) return [];
  const dt = datatype as Datatype;
  const expected = CONTENTS_FIELD[dt];
  for (const field of FIELDS) {
    if (field !== expected && (contents?.[field]?.length ?? 0) > 0) {
      const where = expected
        ? `${dt} elements go in ${expected}`
        : `${dt} travels only in raw_input_contents`;
      throw new InvalidInputError(`${label} (${dt}) carries elements in ${field}; ${where}`);
    }
  }
  if (!expected) return [];
  const values = (contents?.[expected] ?? []) as unknown[];
  if (dt === 'BOOL' || dt === 'BYTES') return values;
  const { array, min, max } = DATATYPE_INFO[dt];
  const ctor = array as TypedArrayConstructor;
  if (ctor === BigInt64Array || ctor === BigUint64Array) {
    return (ctor as BigInt64ArrayConstructor).from(values, (v) => BigInt(v as string));
  }
  if (min !== undefined && max !== undefined)
    checkRange(label, dt, values as number[], Number(min), Number(max));
  return (ctor as Float64ArrayConstructor).from(values as number[]);
}

/** int_contents and uint_contents are 32-bit: narrower datatypes must not wrap silently. */
function checkRange(label: string, datatype: Datatype, values: number[], min: number, max: number): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min || value > max) {
      throw new InvalidInputError(
        `${label} (${datatype}): element ${i} is ${value}, out of range [${min}, ${max}]`,
      );
    }
  }
}

/**
 * Writes a response tensor's data (list or typed array) into its typed contents field. A typed
 * array of numbers (or, for 64-bit datatypes, of bigints) is handed on as it is: the wire codec
 * applies the same conversion per element that a list would get here, without the copy.
 */
export function dataToContents(label: string, datatype: Datatype, data: TensorData): ProtoTensorContents {
  const field = CONTENTS_FIELD[datatype];
  if (!field) throw new InternalError(`${label}: ${datatype} can only be sent as raw contents`);
  const flat = flatElements(data);
  switch (datatype) {
    case 'BOOL':
      return { bool_contents: Array.from(flat, (v) => v === true || (v !== false && Number(v) !== 0)) };
    case 'BYTES':
      return { bytes_contents: Array.from(flat, bytesOf) };
    case 'INT64':
    case 'UINT64':
      if (flat instanceof BigInt64Array || flat instanceof BigUint64Array) return { [field]: flat };
      return { [field]: Array.from(flat, int64String) };
    default:
      if (ArrayBuffer.isView(flat) && !(flat instanceof BigInt64Array || flat instanceof BigUint64Array))
        return { [field]: flat };
      return { [field]: Array.from(flat, Number) };
  }
}
