import type { CustomMetricEvent } from '../metrics/custom-metrics.js';
import type { ModelCapabilities } from '../model.js';
import type { InferenceRequest, InferenceResponse, ModelMetadata } from '../types.js';
import type { WireError } from './wire-error.js';
import type { Packed } from './tensor-transfer.js';

/**
 * The messages between the server thread and a model's worker thread. Every call has an `id`
 * unique within its worker; a stream call lives until the worker says `stream-done` or
 * `stream-error` (or the worker dies).
 */

/** What a runtime learns about a call besides its payload (the signal crosses as `abort`). */
export interface WireContext {
  headers: Readonly<Record<string, string>>;
  requestId: string;
  traceparent?: string;
}

/** Server thread → worker. */
export type ToWorker =
  | { t: 'predict'; id: number; request: Packed<InferenceRequest>; context: WireContext }
  | { t: 'abort'; id: number; reason: WireError }
  | { t: 'stream'; id: number; context: WireContext }
  | { t: 'stream-request'; id: number; request: Packed<InferenceRequest> }
  /** The stream's requests are over (`error`: their source failed with it). */
  | { t: 'stream-end'; id: number; error?: WireError }
  /** The server thread can take `n` more responses of the stream. */
  | { t: 'stream-credit'; id: number; n: number }
  /** The server thread stopped reading the stream: close the runtime's iterator. */
  | { t: 'stream-close'; id: number }
  | { t: 'unload' };

/** What a worker reports once its runtime is loaded. */
export interface WorkerReady {
  t: 'ready';
  metadata: ModelMetadata;
  capabilities: ModelCapabilities;
}

/** Worker → server thread. */
export type FromWorker =
  | WorkerReady
  | { t: 'load-error'; error: WireError }
  | { t: 'result'; id: number; response: Packed<InferenceResponse> }
  | { t: 'error'; id: number; error: WireError }
  /** The runtime took `n` requests of the stream: the server thread may send as many more. */
  | { t: 'stream-pull'; id: number; n: number }
  | { t: 'stream-response'; id: number; response: Packed<InferenceResponse> }
  | { t: 'stream-done'; id: number }
  | { t: 'stream-error'; id: number; error: WireError }
  | { t: 'unloaded'; error?: WireError }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The runtime registered or recorded a custom metric (replayed in the server thread). */
  | { t: 'metric'; event: CustomMetricEvent };

/** Requests of one stream the server thread may send before the runtime has taken them. */
export const REQUEST_WINDOW = 4;

/** Responses of one stream a worker may send before the server thread has taken them. */
export const RESPONSE_WINDOW = 8;
