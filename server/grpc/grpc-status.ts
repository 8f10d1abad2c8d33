import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '../errors.js';

/** The one table from canonical error codes to gRPC status codes (the REST twin is `HTTP_STATUS`). */
export const GRPC_STATUS: Readonly<Record<ErrorCode, status>> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  model_not_ready: status.UNAVAILABLE,
  unavailable: status.UNAVAILABLE,
  overloaded: status.RESOURCE_EXHAUSTED,
  payload_too_large: status.RESOURCE_EXHAUSTED,
  unsupported_media_type: status.INVALID_ARGUMENT,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  cancelled: status.CANCELLED,
  unimplemented: status.UNIMPLEMENTED,
  load_failed: status.INTERNAL,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  internal: status.INTERNAL,
};
