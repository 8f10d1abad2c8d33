import type { ErrorCode } from '../errors.js';

/** A session that ended normally. */
export const WS_NORMAL_CLOSE = 1000;

/**
 * The one table from canonical error codes to WebSocket close codes (the REST twin is
 * `HTTP_STATUS`, the gRPC one `GRPC_STATUS`). Application codes are 4000 + the HTTP status of the
 * same error, so a client that knows the REST table knows these; the server going away (shutdown,
 * a model unloaded) is the protocol's own 1001, a message over the size limit its 1009.
 */
export const WS_CLOSE_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 4400,
  unauthenticated: 4401,
  permission_denied: 4403,
  not_found: 4404,
  model_not_ready: 4503,
  unavailable: 1001,
  overloaded: 4429,
  payload_too_large: 1009,
  unsupported_media_type: 4415,
  deadline_exceeded: 4504,
  cancelled: 4499,
  unimplemented: 4501,
  load_failed: 4500,
  internal: 4500,
};
