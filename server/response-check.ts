import { type InferenceServerError, InternalError, isInferenceServerError } from './errors.js';
import { RESPONSE_OPTIONALS, TENSOR_OPTIONALS, withoutNulls } from './null-optionals.js';
import { validateData } from './request-validation.js';
import type { InferenceResponse, ResponseOutput, TensorMetadata } from './types.js';
import { DATATYPES } from './types.js';

/**
 * Checks what a runtime returned, once for every transport, so that a runtime's mistake is a 500
 * naming it rather than a response that differs by transport: an object with an `outputs` array;
 * each output with a name, a known datatype and a shape whose element count the data holds; each
 * element fitting the datatype (no silent truncation of 1.5 into an INT32); an output the model
 * declares keeps its declared datatype. Returns the response with flat data and `null` optionals
 * removed.
 */
export function checkResponse(
  response: unknown,
  model: string,
  declared: ReadonlyMap<string, TensorMetadata>,
): InferenceResponse {
  const fail = (problem: string) =>
    new InternalError(`model '${model}' returned an invalid response: ${problem}`);
  if (typeof response !== 'object' || response === null || Array.isArray(response))
    throw fail("expected an object with an 'outputs' array");
  const clean = withoutNulls(response as Record<string, unknown>, RESPONSE_OPTIONALS);
  const outputs = clean.outputs;
  if (!Array.isArray(outputs)) throw fail("expected an object with an 'outputs' array");
  return {
    ...(clean as unknown as InferenceResponse),
    outputs: outputs.map((output, index) => checkOutput(output, index, declared, fail)),
  };
}

function checkOutput(
  output: unknown,
  index: number,
  declared: ReadonlyMap<string, TensorMetadata>,
  fail: (problem: string) => InferenceServerError,
): ResponseOutput {
  if (typeof output !== 'object' || output === null) throw fail(`outputs[${index}] is not an object`);
  const tensor = withoutNulls(output as Record<string, unknown>, TENSOR_OPTIONALS);
  const { name, datatype, shape } = tensor;
  if (typeof name !== 'string') throw fail(`outputs[${index}] has no string 'name'`);
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype))
    throw fail(`output '${name}' has unknown datatype ${JSON.stringify(datatype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw fail(
      `output '${name}' has shape ${JSON.stringify(shape)}; dimensions must be non-negative integers`,
    );
  const expected = declared.get(name);
  if (expected && expected.datatype !== datatype)
    throw fail(`output '${name}' is ${datatype}, but the model declares ${expected.datatype}`);
  try {
    const data = validateData(
      `output '${name}'`,
      datatype as ResponseOutput['datatype'],
      shape,
      tensor.data,
      {
        boolNumbers: true,
      },
    );
    return { ...(tensor as unknown as ResponseOutput), data };
  } catch (err) {
    if (isInferenceServerError(err)) throw fail(err.message);
    throw err;
  }
}
