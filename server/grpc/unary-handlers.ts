import type { handleUnaryCall, Metadata, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { DataPlane } from '../dataplane.js';
import type { Logger } from '../logger.js';
import type { RepositoryHandlers } from '../repository-handlers.js';
import { takeResponseHeaders } from '../response-headers.js';
import { createCallContext } from './call-context.js';
import { metadataToProto, requestFromProto, responseToProto } from './converters.js';
import { toServiceError } from './grpc-errors.js';
import type { ProtoInferRequest } from './proto-types.js';
import { headersMetadata } from './response-metadata.js';

/** What the gRPC handlers need from the core. */
export interface GrpcHandlerOptions {
  dataplane: DataPlane;
  repository: RepositoryHandlers;
  logger: Logger;
  /** Fires when shutdown's grace period ends: aborts every call still running. */
  shutdown: AbortSignal;
}

type Unary = (call: ServerUnaryCall<unknown, unknown>) => Promise<{ reply: unknown; metadata?: Metadata }>;

/** Wraps an async handler: its result is the reply, anything it throws a gRPC status. */
function unary(name: string, logger: Logger, handler: Unary): handleUnaryCall<unknown, unknown> {
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

interface NameVersion {
  name?: string;
  version?: string;
}

function ref(request: NameVersion) {
  return { name: request.name ?? '', version: request.version || undefined };
}

/**
 * Every unary RPC of `GRPCInferenceService` (both flavours share them): health, metadata,
 * `ModelInfer` and the repository RPCs, each a thin translation onto the core.
 */
export function unaryHandlers(options: GrpcHandlerOptions): UntypedServiceImplementation {
  const { dataplane, repository, logger, shutdown } = options;
  return {
    ServerLive: unary('ServerLive', logger, async () => ({ reply: { live: dataplane.live() } })),
    ServerReady: unary('ServerReady', logger, async () => ({ reply: { ready: dataplane.ready() } })),
    ModelReady: unary('ModelReady', logger, async (call) => ({
      reply: { ready: dataplane.modelReady(ref(call.request as NameVersion)) },
    })),
    ServerMetadata: unary('ServerMetadata', logger, async () => ({ reply: dataplane.serverMetadata() })),
    ModelMetadata: unary('ModelMetadata', logger, async (call) => ({
      reply: metadataToProto(await dataplane.modelMetadata(ref(call.request as NameVersion))),
    })),
    ModelInfer: unary('ModelInfer', logger, async (call) => {
      const message = call.request as ProtoInferRequest;
      const { context, dispose } = createCallContext(call, shutdown, message.id);
      try {
        const decoded = requestFromProto(message);
        const result = await dataplane.infer(decoded.ref, decoded.body, context);
        const { response, headers } = takeResponseHeaders(result);
        return { reply: responseToProto(response, decoded.raw), metadata: headersMetadata(headers) };
      } finally {
        dispose();
      }
    }),
    RepositoryIndex: unary('RepositoryIndex', logger, async (call) => {
      const { ready } = call.request as { ready?: boolean };
      return { reply: { models: await repository.index({ readyOnly: ready === true }) } };
    }),
    RepositoryModelLoad: unary('RepositoryModelLoad', logger, async (call) => {
      await repository.load((call.request as { model_name?: string }).model_name ?? '');
      return { reply: {} };
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', logger, async (call) => {
      await repository.unload((call.request as { model_name?: string }).model_name ?? '');
      return { reply: {} };
    }),
  };
}
