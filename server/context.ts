/**
 * What a runtime learns about the request besides its payload, and the signal that tells it to stop.
 */
export interface InferenceContext {
  /** Fires when the client goes away, the deadline passes or the server shuts down. */
  readonly signal: AbortSignal;
  /** Request headers (HTTP) or metadata (gRPC), lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request id: the client's, or one the server generated. */
  readonly requestId: string;
}

/**
 * Internal: how the server aborts one request's signal (a model unloaded while the request
 * still runs). Adapters set it on the contexts they create; runtimes never need it.
 */
export const ABORT_REQUEST: unique symbol = Symbol('mlserver-ts.abortRequest');

/** A context as adapters build it: the runtime's view, plus the internal abort. */
export interface ServerContext extends InferenceContext {
  readonly [ABORT_REQUEST]?: (reason: unknown) => void;
}

/**
 * A request's abort controller that also fires when `parent` (the server's shutdown) does.
 * Cheaper than `AbortSignal.any` on every request; call `unlink` when the request ends.
 */
export function linkedController(parent: AbortSignal): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, unlink: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, unlink: () => parent.removeEventListener('abort', onAbort) };
}
