import type { ErrorCode } from '../errors.js';

/** The one table from canonical error codes to HTTP statuses. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  not_found: 404,
  model_not_ready: 503,
  unavailable: 503,
  overloaded: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  deadline_exceeded: 504,
  cancelled: 499,
  unimplemented: 501,
  load_failed: 500,
  unauthenticated: 401,
  permission_denied: 403,
  internal: 500,
};
