import type { handleUnaryCall, Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import { toServiceError } from './grpc-errors.js';

/** An async unary handler: resolves with the reply (and initial metadata to send first). */
export type UnaryHandler = (
  call: ServerUnaryCall<unknown, unknown>,
) => Promise<{ reply: unknown; metadata?: Metadata }>;

/** Wraps an async handler: its result is the reply, anything it throws a gRPC status. */
export function unary(
  name: string,
  logger: Logger,
  handler: UnaryHandler,
): handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    handler(call).then(
      ({ reply, metadata }) => {
        if (metadata) call.sendMetadata(metadata);
        callback(null, reply);
      },
      (err: unknown) => callback(toServiceError(err, logger, name)),
    );
  };
}

/** A request naming a model version (`ModelReady`, `ModelMetadata`, `ModelConfig`, …). */
export interface NameVersion {
  name?: string;
  version?: string;
}

/** The model a `NameVersion` request addresses (an empty version: the default one). */
export function ref(request: NameVersion) {
  return { name: request.name ?? '', version: request.version || undefined };
}
