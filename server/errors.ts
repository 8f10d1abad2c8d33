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
  | 'unauthenticated'
  | 'permission_denied'
  | 'internal';

/** Every canonical code, for checks on values that crossed a module copy or a thread. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'invalid_argument',
  'not_found',
  'model_not_ready',
  'unavailable',
  'overloaded',
  'payload_too_large',
  'unsupported_media_type',
  'deadline_exceeded',
  'cancelled',
  'unimplemented',
  'load_failed',
  'unauthenticated',
  'permission_denied',
  'internal',
];

/**
 * The brand every server error carries. `Symbol.for` gives the same symbol in every copy of
 * this module (a runtime that bundled its own mlserver-ts, a worker thread), so an error is
 * recognised by its brand and code, not by which copy of the class made it.
 */
const ERROR_BRAND: unique symbol = Symbol.for('mlserver-ts.InferenceServerError');

/**
 * Whether a value is an error of the server's hierarchy, from any copy of mlserver-ts: it has
 * the brand and a canonical code.
 */
export function isInferenceServerError(value: unknown): value is InferenceServerError {
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return (
    (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND] === true &&
    typeof code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(code)
  );
}

/** Base of every error the server reports. `message` is safe to send to clients. */
export class InferenceServerError extends Error {
  readonly code: ErrorCode;
  declare readonly [ERROR_BRAND]: true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }

  /**
   * `instanceof` by brand: an error made by another copy of this module is an instance of the
   * base class, and of a subclass when its name matches. So `err instanceof InvalidInputError`
   * holds for a runtime's error whichever copy of mlserver-ts it imported.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!isInferenceServerError(value)) return false;
    // `this` is the class on the right of `instanceof`: the base, or one of its subclasses.
    // biome-ignore lint/complexity/noThisInStatic: the subclass being tested, not the base
    // biome-ignore lint/complexity/noUselessThisAlias: named for what it is
    const target: Function = this;
    if (target === InferenceServerError) return true;
    return Function.prototype[Symbol.hasInstance].call(target, value) || value.name === target.name;
  }

  /**
   * Normalises anything thrown into an `InferenceServerError`. Unknown errors become
   * `internal` with a clean message; the original is kept as `cause` for the logs.
   */
  static from(err: unknown, context = 'internal error'): InferenceServerError {
    if (isInferenceServerError(err)) return err;
    if (isAbortError(err)) return new CancelledError('request cancelled', { cause: err });
    const detail = err instanceof Error ? err.message : String(err);
    return new InternalError(`${context}: ${detail}`, { cause: err });
  }
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

/** The call carries no credentials, or credentials the server does not know (HTTP 401). */
export class UnauthenticatedError extends InferenceServerError {
  constructor(message: string) {
    super('unauthenticated', message);
  }
}

/** The caller is known but may not do this, or the operation is switched off (HTTP 403). */
export class PermissionDeniedError extends InferenceServerError {
  constructor(message: string) {
    super('permission_denied', message);
  }
}

/** Anything unexpected; the message is clean, the cause is logged. */
export class InternalError extends InferenceServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}
