import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { closeWithin } from '../listen.js';
import { routeGrpcLogs } from './grpc-logging.js';
import { healthService } from './health-service.js';
import { mlserverStreamHandler } from './mlserver-stream.js';
import { loadService, type ServiceName, type StreamFlavour } from './protos.js';
import { addReflection } from './reflection.js';
import { repositoryRpcs } from './repository-rpcs.js';
import { tritonStreamHandler } from './triton-stream.js';
import { type GrpcHandlerOptions, unaryHandlers } from './unary-handlers.js';

/** Message size limit (both directions) when `grpc_max_message_length` is null: 256 MiB. */
export const DEFAULT_GRPC_MAX_MESSAGE_LENGTH = 256 * 1024 * 1024;

/** What a gRPC listener needs. */
export interface GrpcListenerOptions extends GrpcHandlerOptions {
  flavour: StreamFlavour;
  /** Largest message received or sent, in bytes. */
  maxMessageLength: number;
}

/** The services each listener serves (and reflects). */
export const LISTENER_SERVICES: Readonly<Record<StreamFlavour, readonly ServiceName[]>> = {
  mlserver: [
    'inference.GRPCInferenceService',
    'inference.model_repository.ModelRepositoryService',
    'grpc.health.v1.Health',
  ],
  triton: [
    'inference.GRPCInferenceService',
    'inference.triton.GRPCInferenceService',
    'inference.model_repository.ModelRepositoryService',
    'grpc.health.v1.Health',
  ],
};

/**
 * One gRPC listener: `inference.GRPCInferenceService` in one stream flavour, MLServer's
 * `ModelRepositoryService`, the standard health service and server reflection (v1 and
 * v1alpha) describing exactly these, all on one port. The Triton listener also serves its
 * stream at `inference.triton.GRPCInferenceService/ModelStreamInfer` (see stream.proto).
 */
export class GrpcListener {
  readonly flavour: StreamFlavour;
  private readonly server: Server;
  private readonly closing = new AbortController();

  constructor(options: GrpcListenerOptions) {
    const { flavour } = options;
    this.flavour = flavour;
    routeGrpcLogs(options.logger);
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageLength,
      'grpc.max_send_message_length': options.maxMessageLength,
    });
    const inference = loadService('inference.GRPCInferenceService');
    const unaries = unaryHandlers(options, flavour);
    if (flavour === 'triton') {
      const triton = loadService('inference.triton.GRPCInferenceService');
      const stream = tritonStreamHandler(options);
      this.server.addService(atPathsOf(inference, triton), { ...unaries, ModelStreamInfer: stream });
      this.server.addService(triton, { ModelStreamInfer: stream });
    } else {
      this.server.addService(inference, { ...unaries, ModelStreamInfer: mlserverStreamHandler(options) });
    }
    this.server.addService(
      loadService('inference.model_repository.ModelRepositoryService'),
      repositoryRpcs(options.repository, options.logger),
    );
    this.server.addService(
      loadService('grpc.health.v1.Health'),
      healthService(options.dataplane, this.closing.signal),
    );
    addReflection(this.server, LISTENER_SERVICES[flavour], flavour === 'triton');
  }

  /** Binds the port (0 picks a free one) and resolves with the bound port. */
  start(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  /**
   * Stops gracefully: no new calls, health watchers told NOT_SERVING, running calls get `graceMs`;
   * then `onExpired` aborts them and, a moment later, the rest is cut.
   */
  async stop(graceMs: number, onExpired: () => void): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await closeWithin(closed, graceMs, onExpired, () => this.server.forceShutdown());
  }
}

/** `service` with the methods `override` declares taken from it, at `service`'s paths. */
function atPathsOf(service: ServiceDefinition, override: ServiceDefinition): ServiceDefinition {
  const moved = Object.entries(override).map(([name, method]) => [
    name,
    { ...method, path: service[name]!.path, originalName: service[name]!.originalName },
  ]);
  return { ...service, ...Object.fromEntries(moved) };
}
