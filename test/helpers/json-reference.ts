import { DATATYPE_INFO } from '../../server/codecs/datatypes.js';
import { toTypedArray } from '../../server/codecs/tensor-codec.js';
import { validateInferenceRequest } from '../../server/request-validation.js';
import type { InferenceRequest } from '../../server/types.js';
import { decodeJsonRequest, type JsonRequestOptions } from '../../server/wire/json-request.js';
import { requestWithoutNulls } from '../../server/null-optionals.js';

/** Limits far above anything the tests send, unless a test sets its own. */
export const GENEROUS: JsonRequestOptions = { maxInputBytes: 2 ** 40, maxRequestBytes: 2 ** 41 };

/**
 * Today's path as the reference: JSON.parse, the nulls MLServer's clients send dropped,
 * validation, then numeric data as the typed array of its datatype (what `toTypedArray` gives).
 */
export function referenceDecode(text: string): InferenceRequest {
  const parsed = requestWithoutNulls(JSON.parse(text) as Record<string, unknown>);
  const request = validateInferenceRequest(parsed);
  for (const input of request.inputs) {
    const kind = DATATYPE_INFO[input.datatype].kind;
    if (kind === 'int' || kind === 'float') input.data = toTypedArray(input.datatype, input.data);
  }
  return request;
}

/** Decodes with one path of the new decoder ('parse' or 'read'). */
export function decodeWith(
  path: 'parse' | 'read' | 'auto',
  text: string | Uint8Array,
  options: JsonRequestOptions = GENEROUS,
): InferenceRequest {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return decodeJsonRequest(bytes, { ...options, path });
}

/**
 * The first difference between two values (undefined when none): numbers by `Object.is` (so
 * -0 and NaN count), typed arrays by constructor and elements, objects by key order and values.
 */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a === 'number' || typeof b === 'number' || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? undefined : `${path}: ${show(a)} ≠ ${show(b)}`;
  }
  if (a === null || b === null) return a === b ? undefined : `${path}: ${show(a)} ≠ ${show(b)}`;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return `${path}: ${a.constructor.name} ≠ ${b.constructor.name}`;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}: length ${x.length} ≠ ${y.length}`;
    for (let i = 0; i < x.length; i++)
      if (!Object.is(x[i], y[i])) return `${path}[${i}]: ${show(x[i])} ≠ ${show(y[i])}`;
    return undefined;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys ${show(keysA)} ≠ ${show(keysB)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  for (const key of keysA) {
    const diff = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (diff) return diff;
  }
  return undefined;
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Nests flat row-major elements into lists following `shape`. */
export function nest(flat: readonly unknown[], shape: readonly number[]): unknown[] {
  if (shape.length <= 1) return [...flat];
  const [first, ...rest] = shape;
  if (first === 0) return [];
  const size = flat.length / first!;
  return Array.from({ length: first! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}
