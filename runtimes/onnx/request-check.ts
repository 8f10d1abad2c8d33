import { InvalidInputError, type InferenceRequest, type RequestInput, shapeFits } from 'mlserver-ts';
import type { ServedSignature, ServedTensor } from './signature.js';

/**
 * Checks a (core-validated) request against the model before it runs: unknown, missing or
 * mistyped inputs, shapes the model cannot take, unknown requested outputs. Each is a 400 naming
 * the tensor. Returns the inputs paired with what the model expects, and the outputs to fetch.
 */
export function checkRequest(
  model: string,
  signature: ServedSignature,
  request: InferenceRequest,
): { inputs: [RequestInput, ServedTensor][]; fetches: string[] } {
  const inputs: [RequestInput, ServedTensor][] = [];
  for (const input of request.inputs) {
    const expected = signature.inputs.get(input.name);
    if (!expected) {
      throw new InvalidInputError(
        `model '${model}' has no input '${input.name}'; its inputs are ${names(signature.inputs)}`,
      );
    }
    const { datatype, shape } = expected.metadata;
    if (input.datatype !== datatype) {
      throw new InvalidInputError(
        `input '${input.name}' has datatype ${input.datatype}, but the model expects ${datatype}`,
      );
    }
    if (expected.shapeKnown && !shapeFits(input.shape, shape)) {
      throw new InvalidInputError(
        `input '${input.name}' has shape ${JSON.stringify(input.shape)}, but the model expects ${JSON.stringify(shape)} (-1: any size)`,
      );
    }
    inputs.push([input, expected]);
  }
  const given = new Set(request.inputs.map((input) => input.name));
  for (const name of signature.inputs.keys()) {
    if (!given.has(name))
      throw new InvalidInputError(
        `input '${name}' is missing; model '${model}' needs ${names(signature.inputs)}`,
      );
  }
  const fetches = request.outputs?.length
    ? request.outputs.map((output) => output.name)
    : [...signature.outputs.keys()];
  for (const name of fetches) {
    if (!signature.outputs.has(name)) {
      throw new InvalidInputError(
        `model '${model}' has no output '${name}'; its outputs are ${names(signature.outputs)}`,
      );
    }
  }
  return { inputs, fetches: [...new Set(fetches)] };
}

function names(tensors: Map<string, ServedTensor>): string {
  return [...tensors.keys()].map((name) => `'${name}'`).join(', ');
}
