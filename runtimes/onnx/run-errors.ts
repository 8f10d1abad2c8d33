import { CancelledError, InferenceServerError, InternalError, InvalidInputError } from 'mlserver-ts';
import type { WireRunError } from './wire.js';

/** The error for a run that onnxruntime refused: a 400 when the request caused it, else a 500. */
export function runError(model: string, error: WireRunError): InferenceServerError {
  const message = `model '${model}': onnxruntime rejected the request: ${error.message}`;
  return error.kind === 'input' ? new InvalidInputError(message) : new InternalError(message);
}

/** The error for a request whose signal fired before it ran. */
export function abortedError(signal: AbortSignal): InferenceServerError {
  const reason: unknown = signal.reason;
  if (reason instanceof InferenceServerError) return reason;
  return new CancelledError('request cancelled before the model ran it', { cause: reason });
}
