import { DATATYPE_INFO } from '../../../server/codecs/datatypes.js';
import { DATATYPES, type Datatype } from '../../../server/types.js';

/**
 * Why `response` (JSON, as a client reads it) is not what the echo runtimes must answer to
 * `request` (the body as JSON.parse reads it); undefined when it is. The echo returns each input
 * as an output of the same name, datatype and shape, with the same elements as JSON gives them
 * back (FP32/FP16/BF16 rounded to their precision, 64-bit integers as numbers or decimal
 * strings, non-finite floats as "NaN"/"Infinity"/"-Infinity", -0 as 0).
 */
export function echoDifference(request: unknown, response: unknown, model: string): string | undefined {
  const req = request as { id?: unknown; inputs?: unknown[] };
  const res = response as { model_name?: unknown; id?: unknown; outputs?: unknown[] };
  if (typeof res !== 'object' || res === null) return 'the response is not an object';
  if (res.model_name !== model) return `model_name is ${JSON.stringify(res.model_name)}`;
  if (typeof req.id === 'string' && res.id !== req.id)
    return `id ${JSON.stringify(res.id)} ≠ ${JSON.stringify(req.id)}`;
  const inputs = Array.isArray(req.inputs) ? req.inputs : [];
  if (!Array.isArray(res.outputs) || res.outputs.length !== inputs.length)
    return `${inputs.length} inputs but outputs ${JSON.stringify(res.outputs)?.slice(0, 200)}`;
  for (let i = 0; i < inputs.length; i++) {
    const problem = tensorDifference(inputs[i] as Tensor, res.outputs[i] as Tensor);
    if (problem) return `outputs[${i}]: ${problem}`;
  }
  return undefined;
}

interface Tensor {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
}

/** Why an output is not the echo of an input (JSON on both sides). */
export function tensorDifference(input: Tensor, output: Tensor): string | undefined {
  if (typeof output !== 'object' || output === null) return 'not an object';
  if (output.name !== input.name)
    return `name ${JSON.stringify(output.name)} ≠ ${JSON.stringify(input.name)}`;
  if (output.datatype !== input.datatype)
    return `datatype ${String(output.datatype)} ≠ ${String(input.datatype)}`;
  if (JSON.stringify(output.shape) !== JSON.stringify(input.shape))
    return `shape ${JSON.stringify(output.shape)} ≠ ${JSON.stringify(input.shape)}`;
  if (!(DATATYPES as readonly unknown[]).includes(input.datatype))
    return `unknown datatype ${String(input.datatype)}`;
  const expected = flat(input.data);
  const actual = flat(output.data);
  if (actual.length !== expected.length) return `${actual.length} elements ≠ ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!sameElement(input.datatype as Datatype, expected[i], actual[i]))
      return `element ${i}: ${show(actual[i])} ≠ ${show(expected[i])} (${String(input.datatype)})`;
  }
  return undefined;
}

/** Whether `actual` (from the response) is `expected` (from the request) for this datatype. */
export function sameElement(datatype: Datatype, expected: unknown, actual: unknown): boolean {
  const info = DATATYPE_INFO[datatype];
  switch (info.kind) {
    case 'bool':
      return (
        actual === expected || (actual === true && expected === 1) || (actual === false && expected === 0)
      );
    case 'bytes':
      return actual === expected || (typeof expected === 'string' && actual === wellFormed(expected));
    case 'int': {
      const a = bigint(actual);
      const e = bigint(expected);
      return a !== undefined && a === e;
    }
    case 'float':
      return sameFloat(datatype, float(expected), float(actual));
  }
}

function sameFloat(datatype: Datatype, e: number | undefined, a: number | undefined): boolean {
  if (e === undefined || a === undefined) return false;
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a);
  if (a === e) return true;
  if (datatype === 'FP64') return false;
  if (datatype === 'FP32') return a === Math.fround(e);
  // FP16 (10 mantissa bits, max 65504) and BF16 (7 bits, FP32's range): rounded, or overflowed.
  const bits = datatype === 'FP16' ? 10 : 7;
  const max = datatype === 'FP16' ? 65504 : 3.3895313892515355e38;
  if (!Number.isFinite(a)) return Math.abs(e) > max && Math.sign(a) === Math.sign(e);
  return Math.abs(a - e) <= Math.abs(e) * 2 ** -bits + 2 ** -24;
}

function float(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  switch (value) {
    case 'NaN':
    case 'nan':
      return Number.NaN;
    case 'Infinity':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  return undefined;
}

function bigint(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** What UTF-8 makes of a string: lone surrogates become U+FFFD. */
function wellFormed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function flat(data: unknown): unknown[] {
  if (!Array.isArray(data)) return data === undefined ? [] : [data];
  return data.flat(Number.POSITIVE_INFINITY);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Why a 200 answer is not a well-formed response of `model` (undefined when it is). */
export function responseProblem(response: unknown, model: string): string | undefined {
  const res = response as { model_name?: unknown; outputs?: unknown };
  if (typeof res !== 'object' || res === null) return 'not an object';
  if (res.model_name !== model) return `model_name ${JSON.stringify(res.model_name)}`;
  if (!Array.isArray(res.outputs)) return 'no outputs array';
  for (const [i, output] of (res.outputs as Tensor[]).entries()) {
    if (typeof output?.name !== 'string') return `outputs[${i}] has no name`;
    if (!(DATATYPES as readonly unknown[]).includes(output.datatype))
      return `outputs[${i}] datatype ${String(output.datatype)}`;
    const shape = output.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      return `outputs[${i}] shape ${JSON.stringify(shape)}`;
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    if (flat(output.data).length !== count)
      return `outputs[${i}] holds ${flat(output.data).length} elements for shape ${JSON.stringify(shape)}`;
  }
  return undefined;
}
