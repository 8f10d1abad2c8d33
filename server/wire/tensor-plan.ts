import { elementCount } from '../codecs/datatypes.js';
import { InvalidInputError } from '../errors.js';
import type { Datatype } from '../types.js';
import { DATATYPES } from '../types.js';

/** What the decoder knows of a tensor before its data: enough to size and check the data. */
export interface TensorPlan {
  /** "input 'name'", as validation names tensors. */
  label: string;
  datatype: Datatype;
  shape: readonly number[];
  /** Elements the shape declares. */
  count: number;
}

/**
 * What an input object says of its data, when it says it validly: a string name, a known
 * datatype and a shape of non-negative integers, the checks validation makes before the data.
 * Undefined otherwise (validation then reports the problem). A rank above `maxRank` is a 400
 * when `final`, else undefined too (a repeated `shape` key may still change it).
 */
export function planOf(
  input: Record<string, unknown>,
  index: number,
  maxRank: number,
  final = true,
): TensorPlan | undefined {
  const { name, datatype, shape } = input;
  if (typeof name !== 'string') return undefined;
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype)) return undefined;
  if (!Array.isArray(shape)) return undefined;
  for (const d of shape) if (!Number.isInteger(d) || d < 0) return undefined;
  const label = `input '${name}'`;
  if (shape.length > maxRank) {
    if (!final) return undefined;
    throw new InvalidInputError(
      `${label} (inputs[${index}]) has shape of rank ${shape.length}; the limit is ${maxRank}`,
    );
  }
  return { label, datatype: datatype as Datatype, shape: shape as number[], count: elementCount(shape) };
}

/** Whether two plans read data the same way (a repeated key may have changed one). */
export function samePlan(a: TensorPlan, b: TensorPlan): boolean {
  if (a.label !== b.label || a.datatype !== b.datatype || a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (a.shape[i] !== b.shape[i]) return false;
  return true;
}
