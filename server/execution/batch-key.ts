import type { InferenceRequest, Parameters } from '../types.js';
import type { BatchLayout } from './batch-layout.js';

/**
 * Request parameters that belong to one request and never keep two requests out of one batch
 * (the headers it came with, Triton's sequence controls); the batch does not pass them on.
 */
export const PER_REQUEST_PARAMETERS: ReadonlySet<string> = new Set([
  'headers',
  'sequence_id',
  'sequence_start',
  'sequence_end',
  'correlation_id',
]);

/** How a request can join a batch: requests with equal `key`s can; `size` is its own batch size. */
export interface BatchShape {
  key: string;
  size: number;
}

/**
 * Whether and how a request can be batched under `layout`: every input with a batch axis must
 * have the same size on it (the request's batch size); two requests batch together when their
 * inputs have the same names, datatypes, parameters and shapes but for the batch axis, their
 * shared (rank-0) inputs hold the same value, and they ask for the same outputs with the same
 * request parameters (but for per-request ones). `undefined`: the request runs on its own.
 */
export function batchShape(request: InferenceRequest, layout: BatchLayout): BatchShape | undefined {
  let size: number | undefined;
  const parts: unknown[] = [];
  for (const input of request.inputs) {
    const { name, datatype, shape } = input;
    if (shape.length === 0) {
      parts.push([name, datatype, 'shared', Array.from(input.data as ArrayLike<unknown>), input.parameters]);
      continue;
    }
    const axis = layout.axisOf(name);
    if (axis >= shape.length) return undefined;
    const own = shape[axis]!;
    if (size === undefined) size = own;
    else if (size !== own) return undefined;
    parts.push([name, datatype, shape.map((d, i) => (i === axis ? '*' : d)), input.parameters]);
  }
  if (size === undefined || size === 0) return undefined;
  parts.push(request.outputs ?? null, sharedParameters(request.parameters) ?? null);
  return { key: stableJson(parts), size };
}

/** A request's parameters without the per-request ones; undefined when nothing is left. */
export function sharedParameters(parameters: Parameters | undefined): Parameters | undefined {
  if (!parameters) return undefined;
  let shared: Parameters | undefined;
  for (const [key, value] of Object.entries(parameters)) {
    if (PER_REQUEST_PARAMETERS.has(key) || value === undefined) continue;
    shared ??= {};
    shared[key] = value;
  }
  return shared;
}

/** JSON with object keys sorted and bigints kept apart from numbers: equal values, equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, String);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  });
}
