import type { Datatype } from 'mlserver-ts';

/** The element types onnxruntime-node's tensors carry (its `Tensor.Type`, string tensors included). */
export type OrtElementType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

/**
 * The one table between ONNX element types (as onnxruntime-node names them) and the protocol's
 * datatypes. The typed array of each side is the core's `DATATYPE_INFO[datatype].array`.
 */
export const ORT_TO_DATATYPE: Readonly<Record<OrtElementType, Datatype>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

/** The inverse table: a protocol datatype to the ONNX element type that carries it (BF16 has none). */
export const DATATYPE_TO_ORT: Readonly<Partial<Record<Datatype, OrtElementType>>> = Object.fromEntries(
  Object.entries(ORT_TO_DATATYPE).map(([ort, datatype]) => [datatype, ort]),
) as Partial<Record<Datatype, OrtElementType>>;

/** Element types that exist in ONNX but that onnxruntime-node cannot hand to JavaScript, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  bfloat16: 'BF16 tensors cannot be created or read through onnxruntime-node',
  uint4: '4-bit tensors have no protocol datatype',
  int4: '4-bit tensors have no protocol datatype',
  complex64: 'complex tensors have no protocol datatype',
  complex128: 'complex tensors have no protocol datatype',
};

/** True when onnxruntime-node reports a type that this table carries. */
export function isOrtElementType(type: string): type is OrtElementType {
  return Object.hasOwn(ORT_TO_DATATYPE, type);
}

/** Why an element type cannot be served (for load errors). */
export function unsupportedReason(type: string): string {
  return UNSUPPORTED[type] ?? `element type '${type}' is not supported by onnxruntime-node`;
}

/** ONNX's element type numbers (TensorProto.DataType) to onnxruntime's names. */
const ONNX_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
};

/**
 * Rewrites onnxruntime-node's "Unsupported data type: 16" (raised when a model's input or output
 * has a type it cannot carry) into a message that names the type and why.
 */
export function explainOpenError(message: string): string {
  const match = /Unsupported data type: (\d+)/.exec(message);
  if (!match) return message;
  const name = ONNX_TYPE_NAMES[Number(match[1])] ?? `ONNX type ${match[1]}`;
  return `an input or output has element type ${name}, which the runtime cannot serve: ${unsupportedReason(name)}`;
}
