import type { Deadline, Metadata } from '@grpc/grpc-js';
import type { Call } from '../call.js';
import type { DataPlane } from '../dataplane.js';

/** What every kind of server call offers (grpc-js does not export its own name for it). */
export interface SurfaceCall {
  readonly metadata: Metadata;
  getDeadline(): Deadline;
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * Starts the core's call for a gRPC call: its metadata as headers, the message's id and the
 * deadline go to the core; grpc-js's `cancelled` (a client cancel, or the deadline it enforces)
 * is reported as the client gone. Record the gRPC status code on the call and end it when the
 * handler is done.
 */
export function startCall(
  dataplane: DataPlane,
  grpcCall: SurfaceCall,
  operation: string,
  bodyId?: string,
): Call {
  const deadline = grpcCall.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const call = dataplane.call({
    transport: 'grpc',
    operation,
    headers: metadataHeaders(grpcCall.metadata),
    bodyId,
    deadline: Number.isFinite(at) ? at : undefined,
  });
  grpcCall.once('cancelled', () => call.clientGone());
  handled.add(grpcCall.metadata);
  return call;
}

/** Metadata of the calls whose handler started the core's call (see `startCall`). */
const handled = new WeakSet<Metadata>();

/** Whether the handler of the call that received `metadata` started the core's call itself. */
export function startedByHandler(metadata: Metadata): boolean {
  return handled.has(metadata);
}

/** Text metadata as a header record (names are lower-case on the wire already); `-bin` entries are left out. */
export function metadataHeaders(metadata: Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
