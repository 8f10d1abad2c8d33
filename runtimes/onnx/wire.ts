import type { OrtElementType } from './element-types.js';

/**
 * A tensor as onnxruntime takes and gives it: numeric data in a typed array, string tensors as
 * string lists.
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

/** True for an ArrayBuffer (not a SharedArrayBuffer), from any realm. */
export function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}
