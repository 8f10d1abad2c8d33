import { DATATYPE_INFO, elementCount } from './codecs/datatypes.js';
import { InvalidInputError } from './errors.js';
import type { Datatype, InferenceRequest, RequestInput, RequestOutput, TensorData } from './types.js';
import { DATATYPES } from './types.js';
import { REQUEST_OPTIONALS, TENSOR_OPTIONALS, withoutNulls } from './null-optionals.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const FLOAT_WORDS = new Set(['NaN', 'Infinity', '-Infinity', 'inf', '-inf', 'nan']);

/**
 * Checks an inference request as any transport delivered it and returns it normalised: every
 * tensor's data flat (row-major). Each problem is a 400 that names the tensor and what is wrong.
 */
export function validateInferenceRequest(body: unknown): InferenceRequest {
  if (!isRecord(body)) throw new InvalidInputError('request body must be a JSON object');
  body = withoutNulls(body, REQUEST_OPTIONALS);
  const { inputs, outputs, id, parameters } = body as Record<string, unknown>;
  if (inputs === undefined) throw new InvalidInputError("request is missing the field 'inputs'");
  if (!Array.isArray(inputs)) throw new InvalidInputError("'inputs' must be an array of tensors");
  if (id !== undefined && typeof id !== 'string') throw new InvalidInputError("'id' must be a string");
  if (parameters !== undefined && !isRecord(parameters))
    throw new InvalidInputError("'parameters' must be an object");
  const seen = new Set<string>();
  const checkedInputs = inputs.map((input, index) => {
    const checked = validateInput(input, index);
    if (seen.has(checked.name)) throw new InvalidInputError(`input '${checked.name}' appears more than once`);
    seen.add(checked.name);
    return checked;
  });
  const request: InferenceRequest = { ...(body as object), inputs: checkedInputs } as InferenceRequest;
  if (outputs !== undefined) request.outputs = validateOutputs(outputs);
  return request;
}

function validateInput(input: unknown, index: number): RequestInput {
  if (!isRecord(input)) throw new InvalidInputError(`inputs[${index}] must be an object`);
  input = withoutNulls(input, TENSOR_OPTIONALS);
  const { name, shape, datatype, data, parameters } = input as Record<string, unknown>;
  if (typeof name !== 'string')
    throw new InvalidInputError(`inputs[${index}] is missing the string field 'name'`);
  const label = `input '${name}'`;
  if (datatype === undefined) throw new InvalidInputError(`${label} is missing the field 'datatype'`);
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype)) {
    throw new InvalidInputError(
      `${label} has unknown datatype ${JSON.stringify(datatype)}; expected one of ${DATATYPES.join(', ')}`,
    );
  }
  if (shape === undefined) throw new InvalidInputError(`${label} is missing the field 'shape'`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidInputError(
      `${label} has shape ${JSON.stringify(shape)}; dimensions must be non-negative integers`,
    );
  }
  if (parameters !== undefined && !isRecord(parameters)) {
    throw new InvalidInputError(`${label}: 'parameters' must be an object`);
  }
  if (data === undefined) throw new InvalidInputError(`${label} is missing the field 'data'`);
  const flat = validateData(label, datatype as Datatype, shape as number[], data);
  return {
    ...(input as object),
    name,
    shape: shape as number[],
    datatype: datatype as Datatype,
    data: flat,
  } as RequestInput;
}

/**
 * Checks a tensor's data against its datatype and shape; returns it flat. `boolNumbers` also
 * takes 0 and 1 as BOOL elements (what a runtime copying a `Uint8Array` returns).
 */
export function validateData(
  label: string,
  datatype: Datatype,
  shape: readonly number[],
  data: unknown,
  options: { boolNumbers?: boolean } = {},
): TensorData {
  const checkElements = (label: string, datatype: Datatype, flat: unknown[]) =>
    checkFlat(label, datatype, flat, options.boolNumbers === true);
  const expected = elementCount(shape);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const typed = data as unknown as ArrayLike<unknown>;
    if (typed.length !== expected) throw countMismatch(label, shape, expected, typed.length);
    const natural = DATATYPE_INFO[datatype].array;
    // Another kind of typed array (floats for an INT32 tensor, say): its values must fit.
    if (natural && !(data instanceof natural)) checkElements(label, datatype, Array.from(typed));
    return data as unknown as TensorData;
  }
  if (!Array.isArray(data)) {
    if (expected === 1 && data !== null && typeof data !== 'object')
      return checkElements(label, datatype, [data]);
    throw new InvalidInputError(`${label}: 'data' must be an array`);
  }
  const flat = data.some(Array.isArray) ? (data.flat(Number.POSITIVE_INFINITY) as unknown[]) : data;
  if (flat.length !== expected) throw countMismatch(label, shape, expected, flat.length);
  return checkElements(label, datatype, flat);
}

/** The 400 for data whose element count does not match its shape. */
export function countMismatch(
  label: string,
  shape: readonly number[],
  expected: number,
  actual: number,
): InvalidInputError {
  return new InvalidInputError(
    `${label} has shape ${JSON.stringify(shape)} (${expected} elements) but its data holds ${actual} elements`,
  );
}

function checkFlat(label: string, datatype: Datatype, flat: unknown[], boolNumbers: boolean): unknown[] {
  const info = DATATYPE_INFO[datatype];
  for (let i = 0; i < flat.length; i++) {
    const value = flat[i];
    if (boolNumbers && info.kind === 'bool' && (value === 0 || value === 1)) continue;
    const problem = elementProblem(datatype, info.kind, info.min, info.max, value);
    if (problem) throw new InvalidInputError(`${label} (${datatype}): element ${i} ${problem}`);
  }
  return flat;
}

/** Why one tensor element does not fit its datatype (undefined when it fits): "is …; expected …". */
export function elementProblem(
  datatype: Datatype,
  kind: 'bool' | 'int' | 'float' | 'bytes',
  min: bigint | undefined,
  max: bigint | undefined,
  value: unknown,
): string | undefined {
  switch (kind) {
    case 'bool':
      return typeof value === 'boolean' ? undefined : `is ${describe(value)}; expected true or false`;
    case 'float':
      if (typeof value === 'number') return undefined;
      if (typeof value === 'string' && FLOAT_WORDS.has(value)) return undefined;
      return `is ${describe(value)}; expected a number (or "NaN", "Infinity", "-Infinity")`;
    case 'bytes':
      return typeof value === 'string' || value instanceof Uint8Array
        ? undefined
        : `is ${describe(value)}; expected a string`;
    case 'int':
      return integerProblem(datatype, min!, max!, value);
  }
}

function integerProblem(datatype: Datatype, min: bigint, max: bigint, value: unknown): string | undefined {
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `is ${describe(value)}; expected an integer`;
    big = BigInt(value);
    if ((big > MAX_SAFE || big < -MAX_SAFE) && (datatype === 'INT64' || datatype === 'UINT64')) {
      return `is ${value}, beyond 2^53 where JSON numbers lose precision; send 64-bit values as decimal strings`;
    }
  } else if (typeof value === 'bigint') {
    big = value;
  } else if (
    typeof value === 'string' &&
    /^-?\d+$/.test(value) &&
    (datatype === 'INT64' || datatype === 'UINT64')
  ) {
    big = BigInt(value);
  } else {
    return `is ${describe(value)}; expected an integer`;
  }
  if (big < min || big > max) return `is ${String(value)}, out of range for ${datatype} [${min}, ${max}]`;
  return undefined;
}

function validateOutputs(outputs: unknown): RequestOutput[] {
  if (!Array.isArray(outputs)) throw new InvalidInputError("'outputs' must be an array");
  return outputs.map((output, index) => {
    if (!isRecord(output) || typeof output.name !== 'string') {
      throw new InvalidInputError(`outputs[${index}] must be an object with a string 'name'`);
    }
    const clean = withoutNulls(output, TENSOR_OPTIONALS);
    if (clean.parameters !== undefined && !isRecord(clean.parameters))
      throw new InvalidInputError(`outputs[${index}]: 'parameters' must be an object`);
    return clean as unknown as RequestOutput;
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
