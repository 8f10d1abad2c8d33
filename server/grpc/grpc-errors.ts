import type { ServerErrorResponse } from '@grpc/grpc-js';
import { InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { GRPC_STATUS } from './grpc-status.js';

/**
 * Turns anything thrown into a gRPC error status with a clean `details`; unexpected errors are
 * logged with their cause.
 */
export function toServiceError(err: unknown, logger: Logger, what: string): ServerErrorResponse {
  const error = InferenceServerError.from(err);
  if (error.code === 'internal' || error.code === 'load_failed')
    logger.error(`${what}: ${error.message}`, error.cause ?? err);
  else logger.debug(`${what}: ${error.code} ${error.message}`);
  return { name: error.name, message: error.message, code: GRPC_STATUS[error.code], details: error.message };
}
