/**
 * The server's one error hierarchy. Every failure that reaches a client is an
 * `InferenceServerError` with a canonical code; each transport maps the code with one table.
 */

/** Canonical error codes; each transport has one table mapping them to its status. */
export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'model_not_ready'
  | 'unavailable'
  | 'overloaded'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'unimplemented'
  | 'load_failed'
  | 'internal';

/**
 * Brands the server's errors so that they are recognised across copies of this module: a
 * runtime loaded by the CLI (through tsx) imports its own copy of 'mlserver-ts', whose
 * `InvalidInputError` is not an `instanceof` the server's.
 */
const BRAND = Symbol.for('mlserver-ts.InferenceServerError');

/** Base of every error the server reports. `message` is safe to send to clients. */
export class InferenceServerError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * Normalises anything thrown into an `InferenceServerError`. Unknown errors become
   * `internal` with a clean message; the original is kept as `cause` for the logs.
   */
  static from(err: unknown, context = 'internal error'): InferenceServerError {
    if (err instanceof InferenceServerError) return err;
    if (isBranded(err)) return new InferenceServerError(err.code, err.message, { cause: err });
    if (isAbortError(err)) return new CancelledError('request cancelled', { cause: err });
    const detail = err instanceof Error ? err.message : String(err);
    return new InternalError(`${context}: ${detail}`, { cause: err });
  }
}

function isBranded(err: unknown): err is InferenceServerError {
  return err instanceof Error && (err as unknown as Record<symbol, unknown>)[BRAND] === true;
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** The request is malformed: names the field and the problem. */
export class InvalidInputError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_argument', message, options);
  }
}

/** No such model, version or route. */
export class NotFoundError extends InferenceServerError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** The model exists but is not ready (loading, unloading or failed to load). */
export class ModelNotReadyError extends InferenceServerError {
  constructor(message: string) {
    super('model_not_ready', message);
  }
}

/** The server cannot take the request now (shutting down). */
export class UnavailableError extends InferenceServerError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/** Too much work queued: the client should retry later. */
export class OverloadedError extends InferenceServerError {
  constructor(message: string) {
    super('overloaded', message);
  }
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends InferenceServerError {
  constructor(message: string) {
    super('payload_too_large', message);
  }
}

/** The request's content type or encoding is not one the server reads. */
export class UnsupportedMediaTypeError extends InferenceServerError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}

/** The request's deadline passed before it finished. */
export class DeadlineExceededError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('deadline_exceeded', message, options);
  }
}

/** The client went away or cancelled. */
export class CancelledError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('cancelled', message, options);
  }
}

/** The model does not offer what was asked (for example unary inference on a stream-only model). */
export class UnimplementedError extends InferenceServerError {
  constructor(message: string) {
    super('unimplemented', message);
  }
}

/** A model could not be loaded. */
export class ModelLoadError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('load_failed', message, options);
  }
}

/** Anything unexpected; the message is clean, the cause is logged. */
export class InternalError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}
