import {
  CancelledError,
  DeadlineExceededError,
  type ErrorCode,
  InferenceServerError,
  InternalError,
  InvalidInputError,
  isInferenceServerError,
  ModelLoadError,
  ModelNotReadyError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
  UnsupportedMediaTypeError,
} from '../errors.js';

/**
 * An error as it crosses a thread boundary: plain data. A server error keeps its canonical code
 * (so it keeps its status on every transport) and its class name; anything else keeps its name
 * and message, and becomes a 500 on the other side as it would have in the server thread.
 */
export interface WireError {
  /** The canonical code of a server error; absent for any other error. */
  code?: ErrorCode;
  name: string;
  message: string;
  stack?: string;
}

/** Turns anything thrown into plain data that `postMessage` can carry. */
export function toWireError(err: unknown): WireError {
  if (isInferenceServerError(err)) {
    return { code: err.code, name: err.name, message: err.message, stack: err.stack };
  }
  // By shape rather than `instanceof`: an error from another realm (a DOMException) is one too.
  if (isErrorLike(err)) return { name: err.name, message: err.message, stack: err.stack };
  // As `InferenceServerError.from` words it in the server thread.
  return { name: 'Error', message: String(err) };
}

type ServerErrorClass = new (message: string) => InferenceServerError;

/** The class each code is rebuilt as: the server's own classes, so `instanceof` holds. */
const CLASSES: Record<ErrorCode, ServerErrorClass> = {
  invalid_argument: InvalidInputError,
  not_found: NotFoundError,
  model_not_ready: ModelNotReadyError,
  unavailable: UnavailableError,
  overloaded: OverloadedError,
  payload_too_large: PayloadTooLargeError,
  unsupported_media_type: UnsupportedMediaTypeError,
  deadline_exceeded: DeadlineExceededError,
  cancelled: CancelledError,
  unimplemented: UnimplementedError,
  load_failed: ModelLoadError,
  unauthenticated: UnauthenticatedError,
  permission_denied: PermissionDeniedError,
  internal: InternalError,
};

/**
 * Rebuilds an error that crossed: a server error as the server's class for its code, with the
 * name the runtime gave it (a runtime's `class BadAudio extends InvalidInputError` stays a 400
 * named `BadAudio`); anything else as an `Error` with its name and message. The other thread's
 * stack is kept for the logs.
 */
export function fromWireError(wire: WireError): Error {
  const Class = wire.code ? CLASSES[wire.code] : undefined;
  const error: Error = Class ? new Class(wire.message) : new Error(wire.message);
  if (error.name !== wire.name)
    Object.defineProperty(error, 'name', { value: wire.name, configurable: true });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** `fromWireError`, normalised to the server's hierarchy (a plain error becomes a 500). */
export function serverErrorFromWire(wire: WireError, context = 'model error'): InferenceServerError {
  return InferenceServerError.from(fromWireError(wire), context);
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { name, message } = value as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string';
}
