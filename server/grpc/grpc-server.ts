import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { type ChannelOptions, Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import type { AccessControl } from '../access.js';
import { closeWithin, listen } from '../listen.js';
import type { ConnectionSettings } from '../settings/security-settings.js';
import { type GuardedSockets, guardSockets } from '../socket-guard.js';
import { accessInterceptor } from './access-interceptor.js';
import { routeGrpcLogs } from './grpc-logging.js';
import { healthService } from './health-service.js';
import { mlserverStreamHandler } from './mlserver-stream.js';
import { observeInterceptor } from './observe-interceptor.js';
import { loadService, type ServiceName, type StreamFlavour } from './protos.js';
import { addReflection } from './reflection.js';
import { repositoryRpcs } from './repository-rpcs.js';
import { tritonStreamHandler } from './triton-stream.js';
import { type GrpcHandlerOptions, unaryHandlers } from './unary-handlers.js';

/**
 * Message size limit (both directions) when `grpc_max_message_length` is null: 96 MiB, room for
 * a 64 MiB tensor (the default `max_tensor_bytes`) and its framing.
 */
export const DEFAULT_GRPC_MAX_MESSAGE_LENGTH = 96 * 1024 * 1024;

/** What a gRPC listener needs. */
export interface GrpcListenerOptions extends GrpcHandlerOptions {
  flavour: StreamFlavour;
  /** Largest message received or sent, in bytes. */
  maxMessageLength: number;
  /** Who may call which method. */
  access: AccessControl;
  /** Idle, age, keepalive and greeting limits, and the connection cap. */
  connections: ConnectionSettings;
  /** Serve TLS with these options (mutual TLS when they carry a CA); undefined: plaintext. */
  tls: TlsOptions | undefined;
}

/** The HTTP/2 connection preface every gRPC client sends first (RFC 9113, 3.4): 24 bytes. */
const HTTP2_PREFACE_BYTES = 24;

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
  private readonly options: GrpcListenerOptions;
  private socketServer: NetServer | undefined;
  private sockets: GuardedSockets | undefined;

  constructor(options: GrpcListenerOptions) {
    const { flavour } = options;
    this.flavour = flavour;
    this.options = options;
    routeGrpcLogs(options.logger);
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageLength,
      'grpc.max_send_message_length': options.maxMessageLength,
      ...connectionOptions(options.connections),
      // The first is innermost: observation sees the calls the access check refuses.
      interceptors: [observeInterceptor(options.dataplane), accessInterceptor(options.access)],
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

  /**
   * Binds the port (0 picks a free one) and resolves with the bound port. The listening socket is
   * ours, not grpc-js's: connections are handed to grpc-js through its connection injector, so
   * the connection cap, the greeting timeout and TLS (with its handshake timeout) are enforced
   * on the raw sockets before grpc-js sees them. TLS is terminated here and the decrypted stream
   * injected (ALPN `h2`, as gRPC requires).
   */
  start(host: string, port: number): Promise<number> {
    const { connections, tls, logger } = this.options;
    const injector = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    const greetingTimeoutMs = connections.connection_handshake_timeout * 1000;
    const server = tls
      ? createTlsServer({ ...tls, ALPNProtocols: ['h2'], handshakeTimeout: greetingTimeoutMs })
      : createNetServer();
    server.on(tls ? 'secureConnection' : 'connection', (socket) => injector.injectConnection(socket));
    server.on('tlsClientError', (err: Error) => logger.debug(`gRPC TLS handshake failed: ${err.message}`));
    this.sockets = guardSockets(server, {
      what: `gRPC (${this.flavour} flavour)`,
      setting: 'grpc_max_connections',
      maxConnections: connections.grpc_max_connections,
      greetingTimeoutMs,
      // Over TLS the handshake timeout is the greeting; after it, grpc-js's idle timeout applies.
      greetingBytes: tls ? 0 : HTTP2_PREFACE_BYTES,
      logger,
    });
    this.socketServer = server;
    return listen(server, host, port);
  }

  /**
   * Stops gracefully: the port stops accepting, open connections get GOAWAY, health watchers are
   * told NOT_SERVING, running calls get `graceMs`; then `onExpired` aborts them and, a moment
   * later, the rest is cut.
   */
  async stop(graceMs: number, onExpired: () => void): Promise<void> {
    this.closing.abort();
    this.socketServer?.close();
    const closed = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await closeWithin(closed, graceMs, onExpired, () => this.server.forceShutdown());
    this.sockets?.destroyAll();
  }
}

/** grpc-js's connection options from the settings (seconds to milliseconds; null: grpc-js's default, unlimited). */
function connectionOptions(settings: ConnectionSettings): ChannelOptions {
  const ms = (seconds: number | null) => (seconds === null ? undefined : Math.round(seconds * 1000));
  const options: ChannelOptions = {
    'grpc.keepalive_time_ms': ms(settings.grpc_keepalive_time),
    'grpc.keepalive_timeout_ms': ms(settings.grpc_keepalive_timeout),
    'grpc.max_connection_idle_ms': ms(settings.grpc_max_connection_idle),
    'grpc.max_connection_age_ms': ms(settings.grpc_max_connection_age),
    'grpc.max_connection_age_grace_ms': ms(settings.grpc_max_connection_age_grace),
  };
  // grpc-js tests this key with `in`: present means enforced, so it is left out when unlimited.
  if (settings.grpc_max_session_memory !== null) {
    options['grpc-node.max_session_memory'] = settings.grpc_max_session_memory;
  }
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** `service` with the methods `override` declares taken from it, at `service`'s paths. */
function atPathsOf(service: ServiceDefinition, override: ServiceDefinition): ServiceDefinition {
  const moved = Object.entries(override).map(([name, method]) => [
    name,
    { ...method, path: service[name]!.path, originalName: service[name]!.originalName },
  ]);
  return { ...service, ...Object.fromEntries(moved) };
}
