import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { closeWithin } from '../listen.js';
import { healthService } from './health-service.js';
import { mlserverStreamHandler } from './mlserver-stream.js';
import { loadHealthService, loadInferenceService, type StreamFlavour } from './protos.js';
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

/**
 * One gRPC listener: `inference.GRPCInferenceService` in one stream flavour, the standard health
 * service and server reflection (v1 and v1alpha), all on one port.
 */
export class GrpcListener {
  readonly flavour: StreamFlavour;
  private readonly server: Server;
  private readonly closing = new AbortController();

  constructor(options: GrpcListenerOptions) {
    this.flavour = options.flavour;
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageLength,
      'grpc.max_send_message_length': options.maxMessageLength,
    });
    const inference = loadInferenceService(options.flavour);
    const health = loadHealthService();
    const stream =
      options.flavour === 'triton' ? tritonStreamHandler(options) : mlserverStreamHandler(options);
    this.server.addService(inference.definition, { ...unaryHandlers(options), ModelStreamInfer: stream });
    this.server.addService(health.definition, healthService(options.dataplane, this.closing.signal));
    new ReflectionService({ ...inference.packageDefinition, ...health.packageDefinition }).addToServer(
      this.server,
    );
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
