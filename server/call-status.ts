import type { Call } from './call.js';

/** gRPC status code names, by number. */
const GRPC_CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The name of a gRPC status code (`NOT_FOUND`); an unset code is `UNKNOWN`. */
export function grpcCodeName(code: number | undefined): string {
  return code === undefined ? 'UNKNOWN' : (GRPC_CODE_NAMES[code] ?? String(code));
}

/**
 * A call's transport status as text, for logs and labels: an HTTP status (`200`, `499` for a
 * client that left), a gRPC code name (`OK`), a WebSocket close code (`1000`) or the HTTP status
 * of a refused upgrade; `0` when the adapter recorded none.
 */
export function statusText(call: Call): string {
  if (call.transport === 'grpc') return grpcCodeName(call.status);
  return String(call.status ?? 0);
}
