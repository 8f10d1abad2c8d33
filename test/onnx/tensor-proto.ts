import onnxProto from 'onnx-proto';
import type { Datatype, TensorData } from '../../server/types.js';

const proto = onnxProto.onnx;

/** A tensor read from an ONNX test-data `.pb` file, in the protocol's terms. */
export interface ProtoTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Typed array (FP16 as raw bits, BOOL as 0/1 bytes), or strings for BYTES. */
  data: TensorData;
}

/** ONNX element types this reader knows, with their protocol datatype and typed array. */
const TYPES: Record<number, { datatype: Datatype; array?: new (buffer: ArrayBuffer) => ArrayLike<unknown> }> =
  {
    1: { datatype: 'FP32', array: Float32Array },
    2: { datatype: 'UINT8', array: Uint8Array },
    3: { datatype: 'INT8', array: Int8Array },
    4: { datatype: 'UINT16', array: Uint16Array },
    5: { datatype: 'INT16', array: Int16Array },
    6: { datatype: 'INT32', array: Int32Array },
    7: { datatype: 'INT64', array: BigInt64Array },
    8: { datatype: 'BYTES' },
    9: { datatype: 'BOOL', array: Uint8Array },
    10: { datatype: 'FP16', array: Uint16Array },
    11: { datatype: 'FP64', array: Float64Array },
    12: { datatype: 'UINT32', array: Uint32Array },
    13: { datatype: 'UINT64', array: BigUint64Array },
  };

type LongLike = number | { toString(): string; toNumber(): number };

function toNumber(value: LongLike): number {
  return typeof value === 'number' ? value : value.toNumber();
}

function toBigInt(value: LongLike): bigint {
  return BigInt(typeof value === 'number' ? value : value.toString());
}

/** Parses a serialised TensorProto. Throws for element types the protocol has no datatype for. */
export function readTensorProto(bytes: Uint8Array): ProtoTensor {
  const tensor = proto.TensorProto.decode(bytes);
  const type = TYPES[tensor.dataType];
  if (!type)
    throw new Error(`element type ${tensor.dataType} (${proto.TensorProto.DataType[tensor.dataType]})`);
  const shape = tensor.dims.map((d) => toNumber(d as LongLike));
  const count = shape.reduce((a, b) => a * b, 1);
  const { datatype, array } = type;
  if (datatype === 'BYTES') {
    return {
      name: tensor.name,
      datatype,
      shape,
      data: tensor.stringData.map((s) => new TextDecoder().decode(s)),
    };
  }
  const Ctor = array!;
  if (tensor.rawData && tensor.rawData.length > 0) {
    const copy = new Uint8Array(tensor.rawData.length);
    copy.set(tensor.rawData);
    return { name: tensor.name, datatype, shape, data: new Ctor(copy.buffer) as TensorData };
  }
  const out = new Ctor(new ArrayBuffer(count * bytesPer(Ctor))) as unknown as { [i: number]: unknown };
  const source: LongLike[] =
    datatype === 'FP32'
      ? tensor.floatData
      : datatype === 'FP64'
        ? tensor.doubleData
        : datatype === 'INT64'
          ? (tensor.int64Data as LongLike[])
          : datatype === 'UINT32' || datatype === 'UINT64'
            ? (tensor.uint64Data as LongLike[])
            : tensor.int32Data;
  const big = datatype === 'INT64' || datatype === 'UINT64';
  for (let i = 0; i < count; i++) out[i] = big ? toBigInt(source[i]!) : toNumber(source[i]!);
  return { name: tensor.name, datatype, shape, data: out as unknown as TensorData };
}

function bytesPer(Ctor: unknown): number {
  return (Ctor as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
}
