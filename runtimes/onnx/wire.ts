import type { OrtElementType } from './element-types.js';

/**
 * A tensor as it crosses between the server thread and a session worker: structured-cloneable,
 * numeric data in a typed array whose buffer is transferred, string tensors as string lists.
 */
export interface WireTensor {
  type: OrtElementType;
  dims: number[];
  data: ArrayBufferView | string[];
}

/** One input or output of the model as the session reports it; `shape` entries are sizes or names. */
export interface WireValueInfo {
  name: string;
  /** onnxruntime's element type name; non-tensor values (sequences, maps) are `undefined`. */
  type: string | undefined;
  /** Sizes, symbolic names, or `null` for an unnamed dynamic axis; `[]` for a scalar or unknown rank. */
  shape: (number | string | null)[];
}

/** What a session reports once created. */
export interface WireSignature {
  inputs: WireValueInfo[];
  outputs: WireValueInfo[];
}

/** Session options passed to each session (already validated). */
export interface WireSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  executionProviders: string[];
  logSeverityLevel: 0 | 1 | 2 | 3 | 4;
}

/** Why a run failed: `input` when onnxruntime rejected what the request carried. */
export interface WireRunError {
  kind: 'input' | 'internal';
  message: string;
}

/** Server thread → worker. */
export type ToWorker = { type: 'run'; id: number; feeds: Record<string, WireTensor>; fetches: string[] };

/** Worker → server thread. */
export type FromWorker =
  | { type: 'ready'; signature: WireSignature }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { type: 'error'; id: number; error: WireRunError };

/** Buffers of numeric tensors, for a `postMessage` transfer list (each buffer once). */
export function transferables(tensors: Record<string, WireTensor>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of Object.values(tensors)) {
    if (Array.isArray(tensor.data)) continue;
    const view = tensor.data as ArrayBufferView;
    if (isArrayBuffer(view.buffer) && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) {
      buffers.add(view.buffer);
    }
  }
  return [...buffers];
}

/** True for a transferable ArrayBuffer (not a SharedArrayBuffer), from any realm. */
export function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}
