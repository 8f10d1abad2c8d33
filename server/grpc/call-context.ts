import { randomUUID } from 'node:crypto';
import type { Deadline, Metadata } from '@grpc/grpc-js';
import { ABORT_REQUEST, linkedController, type ServerContext } from '../context.js';
import { CancelledError, DeadlineExceededError } from '../errors.js';

const DEADLINE_SLACK_MS = 5;

/** What every kind of server call offers (grpc-js does not export its own name for it). */
export interface SurfaceCall {
  readonly metadata: Metadata;
  getDeadline(): Deadline;
  once(event: 'cancelled', listener: () => void): unknown;
}

/** A call's context, and `dispose` to clear its deadline timer when the call is over. */
export interface CallContext {
  context: ServerContext;
  dispose(): void;
}

/**
 * Builds a call's context: metadata as headers (text values; `-bin` ones are left out), the id
 * (the request's, else `x-request-id`, else a new one) and a signal that fires when the client
 * cancels, the deadline passes or the server's shutdown grace ends.
 */
export function createCallContext(call: SurfaceCall, shutdown: AbortSignal, requestId?: string): CallContext {
  const { controller, unlink } = linkedController(shutdown);
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const deadlineExceeded = () => controller.abort(new DeadlineExceededError('deadline exceeded'));
  // grpc-js ends a call whose deadline passed itself, which reads as 'cancelled' here: name it
  // for what it is (a few ms of slack for timer rounding).
  let over = false;
  call.once('cancelled', () => {
    // grpc-js also reports the end of a finished call here: nothing is running any more.
    if (over) return;
    if (Date.now() >= at - DEADLINE_SLACK_MS) deadlineExceeded();
    else controller.abort(new CancelledError('client cancelled the call'));
  });
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(at)) timer = setTimeout(deadlineExceeded, Math.max(0, at - Date.now()));
  const headers = metadataHeaders(call.metadata);
  const id = requestId || headers['x-request-id'] || randomUUID();
  return {
    context: {
      signal: controller.signal,
      headers,
      requestId: id,
      [ABORT_REQUEST]: (reason: unknown) => controller.abort(reason),
    },
    dispose: () => {
      over = true;
      clearTimeout(timer);
      unlink();
    },
  };
}

/** Text metadata as a header record (names are lower-case on the wire already). */
export function metadataHeaders(metadata: Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
