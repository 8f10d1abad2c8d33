import { ModelLoadError, type ModelSettings, type TensorMetadata } from 'mlserver-ts';
import {
  isOrtElementType,
  ORT_TO_DATATYPE,
  type OrtElementType,
  unsupportedReason,
} from './element-types.js';
import type { WireSignature, WireValueInfo } from './wire.js';

/** One input or output as the runtime serves it: protocol metadata plus the ONNX element type. */
export interface ServedTensor {
  metadata: TensorMetadata;
  type: OrtElementType;
  /** False when the session gave no shape (scalar or unknown rank): onnxruntime checks the rank itself. */
  shapeKnown: boolean;
}

/** The model's served inputs and outputs, in the model's order, by name. */
export interface ServedSignature {
  inputs: Map<string, ServedTensor>;
  outputs: Map<string, ServedTensor>;
}

/**
 * Builds what the model serves from what the session reports: dynamic or named dimensions
 * become -1. Declarations in model-settings win where they narrow the model (a fixed size for a
 * dynamic axis); a declaration that contradicts it fails the load naming the tensor.
 */
export function servedSignature(session: WireSignature, settings: ModelSettings): ServedSignature {
  const model = settings.name;
  const inputs = new Map(session.inputs.map((info) => [info.name, fromSession(model, 'input', info)]));
  const outputs = new Map(session.outputs.map((info) => [info.name, fromSession(model, 'output', info)]));
  for (const declared of settings.inputs) applyDeclaration(model, 'input', inputs, declared);
  for (const declared of settings.outputs) applyDeclaration(model, 'output', outputs, declared);
  return { inputs, outputs };
}

function fromSession(model: string, kind: 'input' | 'output', info: WireValueInfo): ServedTensor {
  if (info.type === undefined) {
    throw new ModelLoadError(
      `model '${model}': ${kind} '${info.name}' is not a tensor (sequences and maps are not served)`,
    );
  }
  if (!isOrtElementType(info.type)) {
    throw new ModelLoadError(
      `model '${model}': ${kind} '${info.name}' has element type ${info.type}: ${unsupportedReason(info.type)}`,
    );
  }
  const shape = info.shape.map((dim) => (typeof dim === 'number' ? dim : -1));
  return {
    metadata: { name: info.name, datatype: ORT_TO_DATATYPE[info.type], shape },
    type: info.type,
    shapeKnown: shape.length > 0,
  };
}

function applyDeclaration(
  model: string,
  kind: 'input' | 'output',
  served: Map<string, ServedTensor>,
  declared: TensorMetadata,
): void {
  const label = `model '${model}': model-settings declares ${kind} '${declared.name}'`;
  const tensor = served.get(declared.name);
  if (!tensor) {
    const names = [...served.keys()].map((n) => `'${n}'`).join(', ');
    throw new ModelLoadError(`${label}, but the model has no such ${kind} (its ${kind}s: ${names})`);
  }
  const actual = tensor.metadata;
  if (declared.datatype !== actual.datatype) {
    throw new ModelLoadError(`${label} as ${declared.datatype}, but the model's is ${actual.datatype}`);
  }
  let shape = declared.shape;
  if (tensor.shapeKnown) {
    const contradicts =
      declared.shape.length !== actual.shape.length ||
      declared.shape.some((dim, i) => dim !== -1 && actual.shape[i] !== -1 && dim !== actual.shape[i]);
    if (contradicts) {
      throw new ModelLoadError(
        `${label} with shape ${JSON.stringify(declared.shape)}, but the model's is ${JSON.stringify(actual.shape)}`,
      );
    }
    shape = declared.shape.map((dim, i) => (dim === -1 ? actual.shape[i]! : dim));
  }
  const metadata: TensorMetadata = { ...actual, shape };
  if (declared.parameters) metadata.parameters = declared.parameters;
  served.set(declared.name, { ...tensor, metadata, shapeKnown: tensor.shapeKnown || shape.length > 0 });
}
