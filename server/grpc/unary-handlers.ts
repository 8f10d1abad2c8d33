import { status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { InferenceServerError } from '../errors.js';
import { GRPC_STATUS } from './grpc-status.js';
import type { DataPlane } from '../dataplane.js';
import type { Logger } from '../logger.js';
import type { ModelConfigs } from '../model-config.js';
import type { RepositoryHandlers } from '../repository-handlers.js';
import { takeResponseHeaders } from '../response-headers.js';
import type { InferenceStatistics } from '../statistics.js';
import { startCall } from './grpc-call.js';
import { metadataToProto, requestFromProto, responseToProto } from './converters.js';
import { extensionRpcs } from './extension-rpcs.js';
import type { ProtoInferRequest } from './proto-types.js';
import type { StreamFlavour } from './protos.js';
import { repositoryRpcs } from './repository-rpcs.js';
import { headersMetadata } from './response-metadata.js';
import { type NameVersion, ref, unary } from './unary.js';

/** What the gRPC handlers need from the core. */
export interface GrpcHandlerOptions {
  dataplane: DataPlane;
  repository: RepositoryHandlers;
  statistics: InferenceStatistics;
  modelConfigs: ModelConfigs;
  logger: Logger;
}

/**
 * Every unary RPC of `GRPCInferenceService` (both listeners serve them): health, metadata,
 * `ModelInfer`, Triton's `ModelConfig` and `ModelStatistics` and the repository RPCs, each a thin
 * translation onto the core. `ModelInfer` answers in `raw_output_contents` when the request used
 * raw inputs, and always on the Triton listener (as Triton does: its clients read raw outputs).
 */
export function unaryHandlers(
  options: GrpcHandlerOptions,
  flavour: StreamFlavour,
): UntypedServiceImplementation {
  const { dataplane, repository, logger } = options;
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
      const core = startCall(dataplane, call, 'ModelInfer', message.id);
      try {
        const decoded = requestFromProto(message);
        const result = await dataplane.infer(decoded.ref, decoded.body, core);
        const { response, headers } = takeResponseHeaders(result);
        const raw = decoded.raw || flavour === 'triton';
        core.status = status.OK;
        return { reply: responseToProto(response, raw), metadata: headersMetadata(headers) };
      } catch (err) {
        core.status = GRPC_STATUS[InferenceServerError.from(err).code];
        throw err;
      } finally {
        core.end();
      }
    }),
    ...extensionRpcs(options),
    ...repositoryRpcs(repository, logger),
  };
}
