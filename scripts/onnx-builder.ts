import onnxProto, { type onnx } from 'onnx-proto';

const proto = onnxProto.onnx;

/** ONNX element type numbers (TensorProto.DataType). */
export const ElementType = proto.TensorProto.DataType;

/** A dimension: a size, a symbolic name, or `null` for an unnamed dynamic one. */
export type Dim = number | string | null;

/** A graph input or output: name, element type, and shape (`undefined`: unknown rank). */
export function valueInfo(name: string, elemType: number, shape?: Dim[]): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType };
  if (shape) {
    tensorType.shape = {
      dim: shape.map((dim) =>
        typeof dim === 'number' ? { dimValue: dim } : dim === null ? {} : { dimParam: dim },
      ),
    };
  }
  return { name, type: { tensorType } };
}

/** Attribute values a node may carry. */
export type AttributeValue = number | number[] | string | onnx.ITensorProto | onnx.IGraphProto;

/** A node; integer attributes are given as `{ int: n }` or `{ ints: [...] }` when a number would be ambiguous. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue | { int: number } | { ints: number[] }> = {},
  name = '',
): onnx.INodeProto {
  const attribute = Object.entries(attributes).map(([key, value]) => attributeProto(key, value));
  return {
    opType,
    input: inputs,
    output: outputs,
    attribute,
    name: name || `${opType}_${outputs.join('_')}`,
  };
}

function attributeProto(
  name: string,
  value: AttributeValue | { int: number } | { ints: number[] },
): onnx.IAttributeProto {
  const T = proto.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.FLOAT, f: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.FLOATS, floats: value };
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  if ('node' in value) return { name, type: T.GRAPH, g: value as onnx.IGraphProto };
  return { name, type: T.TENSOR, t: value as onnx.ITensorProto };
}

/** A constant tensor (initializer or Constant value). */
export function tensor(
  name: string,
  elemType: number,
  dims: number[],
  values: number[] | string[],
): onnx.ITensorProto {
  const proto: onnx.ITensorProto = { name, dataType: elemType, dims };
  const T = ElementType;
  if (elemType === T.STRING) proto.stringData = (values as string[]).map((s) => new TextEncoder().encode(s));
  else if (elemType === T.FLOAT) proto.floatData = values as number[];
  else if (elemType === T.DOUBLE) proto.doubleData = values as number[];
  else if (elemType === T.INT64) proto.int64Data = values as number[];
  else if (elemType === T.UINT64 || elemType === T.UINT32) proto.uint64Data = values as number[];
  else proto.int32Data = values as number[];
  return proto;
}

/** A graph (also used as a Loop or If body). */
export function graph(parts: {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
}): onnx.IGraphProto {
  return {
    name: parts.name,
    node: parts.nodes,
    input: parts.inputs,
    output: parts.outputs,
    initializer: parts.initializers ?? [],
  };
}

/** Serialises a model: deterministic bytes for the same description. */
export function encodeModel(body: onnx.IGraphProto, opset = 13, docString = ''): Uint8Array {
  const model = proto.ModelProto.create({
    irVersion: 7,
    producerName: 'mlserver-ts',
    producerVersion: '1',
    docString,
    opsetImport: [{ domain: '', version: opset }],
    graph: body,
  });
  return proto.ModelProto.encode(model).finish();
}
