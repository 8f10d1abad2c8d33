import type { Server } from 'node:http';
import type { Express } from 'express';
import type { TlsOptions } from 'node:tls';
import { AccessControl } from './access.js';
import { DataPlane } from './dataplane.js';
import { UnavailableError } from './errors.js';
import { AccessLog, accessLogLevel } from './access-log.js';
import { observeAll } from './call-observer.js';
import { createLogger, type Logger } from './logger.js';
import { CallMetrics } from './metrics/call-metrics.js';
import { customMetricsRegistry } from './metrics/custom-metrics.js';
import { createMetricsServer } from './metrics/metrics-server.js';
import { CallTracer } from './tracing/call-tracer.js';
import { loadTracing, type Tracing } from './tracing/load-tracing.js';
import { createHttpListener, drainHttpListener, type HttpListener } from './http-server.js';
import { closeGracefully, ListenError, listen } from './listen.js';
import { ModelConfigs } from './model-config.js';
import { combineObservers } from './observers.js';
import { ModelRegistry } from './registry.js';
import { RepositoryHandlers } from './repository-handlers.js';
import { ModelRepository } from './repository.js';
import { DEFAULT_GRPC_MAX_MESSAGE_LENGTH, GrpcListener } from './grpc/grpc-server.js';
import type { StreamFlavour } from './grpc/protos.js';
import { createRestListener } from './rest/app.js';
import { jsonLimits } from './settings/json-limits.js';
import { WsListener } from './ws/ws-listener.js';
import type { ModuleImporter, RuntimeLoader } from './runtime-loader.js';
import { BUILTIN_PLACEMENT, registerBuiltinRuntimes } from './builtin-runtimes.js';
import { WorkerRuntimeLoader } from './workers/worker-loader.js';
import { placeholderSettings } from './settings/model-settings.js';
import { MODEL_ENV_SOURCE } from './settings/model-settings-env.js';
import type { ServerSettings } from './settings/server-settings.js';
import { connectionCapWarning } from './socket-guard.js';
import { InferenceStatistics } from './statistics.js';
import { readTlsOptions } from './tls-options.js';

/** How long unloading at shutdown waits for requests that were aborted to let go of their model. */
const SHUTDOWN_UNLOAD_WAIT_MS = 1000;

/** What the composition root needs: validated settings, and how to import user runtimes. */
export interface ServerOptions {
  settings: ServerSettings;
  /** Imports runtime modules; the CLI passes tsx's importer so `.ts` runtimes load. */
  importModule: ModuleImporter;
  logger?: Logger;
  /**
   * Where access lines go; default: the logger's `access` child (its level from
   * `logging_settings`), else the logger itself.
   */
  accessLogger?: Logger;
  /** Where `MLSERVER_MODEL_*` (the single model of an empty repository) is read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The ports actually bound (port 0 in the settings picks a free one). */
export interface BoundPorts {
  http: number;
  /** gRPC, MLServer's stream flavour. */
  grpc: number;
  /** gRPC, Triton's stream flavour (`grpc_triton_port`), when configured. */
  grpcTriton: number | undefined;
  metrics: number | undefined;
}

/**
 * The composition root: builds the core and the transports, starts them in order, and stops
 * them gracefully (stop accepting, let in-flight work finish within the grace period, unload).
 */
export class InferenceServer {
  readonly settings: ServerSettings;
  readonly logger: Logger;
  readonly registry: ModelRegistry;
  readonly repository: ModelRepository;
  readonly dataplane: DataPlane;
  readonly repositoryHandlers: RepositoryHandlers;
  /** Triton-style per-model statistics (`/v2/models/stats`, `ModelStatistics`). */
  readonly statistics: InferenceStatistics;
  /** Triton-style model configurations (`/v2/models/{m}/config`, `ModelConfig`). */
  readonly modelConfigs: ModelConfigs;
  readonly loader: RuntimeLoader;
  /**
   * Access control for every transport (REST and gRPC apply it; a WebSocket adapter calls
   * `access.check(headers, scope)` on upgrade).
   */
  readonly access: AccessControl;
  /**
   * The express app of the HTTP port: every REST route; the dataplane routes' `POST`s reach it
   * only in spellings the fast path in front of it leaves alone (see `rest/fast-path.ts`).
   */
  readonly restApp: Express;
  /** Prometheus metrics of every call (null `metrics_endpoint`: none). */
  readonly metrics: CallMetrics | undefined;
  private readonly tracer: CallTracer | undefined;
  private tracing: Tracing | undefined;
  private readonly shutdown = new AbortController();
  /** Fires when shutdown begins (the drain); `shutdown` fires when its grace period ends. */
  private readonly draining = new AbortController();
  private readonly tls: TlsOptions | undefined;
  private readonly http: HttpListener;
  private readonly metricsServer: Server | undefined;
  private readonly grpcListener: GrpcListener;
  private readonly grpcTritonListener: GrpcListener | undefined;
  private modelsLoading: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    const { settings } = options;
    this.settings = settings;
    this.logger =
      options.logger ??
      createLogger({
        debug: settings.debug,
        structured: settings.use_structured_logging,
        logging: typeof settings.logging_settings === 'object' ? settings.logging_settings : null,
      });
    this.access = new AccessControl(settings);
    this.tls = readTlsOptions(settings);
    this.loader = registerBuiltinRuntimes(
      new WorkerRuntimeLoader(
        options.importModule,
        { scope: settings.model_files_scope, repositoryRoot: settings.model_repository_root },
        {
          parallelWorkers: settings.parallel_workers,
          unloadWarnMs: settings.parallel_workers_timeout * 1000,
          logger: this.logger,
          placement: BUILTIN_PLACEMENT,
        },
      ),
    );
    this.registry = new ModelRegistry(
      this.loader,
      this.logger,
      settings.shutdown_grace_period * 1000,
      settings.model_load_timeout * 1000,
    );
    this.repository = new ModelRepository(settings.model_repository_root, options.env);
    this.metrics = settings.metrics_endpoint
      ? new CallMetrics({
          restPrefix: settings.metrics_rest_server_prefix,
          appName: settings.server_name,
          resolveModel: (name, version) => this.knownVersion(name, version),
        })
      : undefined;
    this.tracer = settings.tracing_server ? new CallTracer() : undefined;
    const accessLogger = options.accessLogger ?? this.logger.child?.('access') ?? this.logger;
    this.statistics = new InferenceStatistics(this.registry);
    this.dataplane = new DataPlane(
      this.registry,
      settings,
      combineObservers(this.statistics),
      this.shutdown.signal,
      observeAll([
        this.metrics,
        new AccessLog(accessLogger, accessLogLevel(settings.access_log), this.logger),
        this.tracer,
      ]),
    );
    this.modelConfigs = new ModelConfigs(this.dataplane, this.registry);
    this.repositoryHandlers = new RepositoryHandlers(this.repository, this.registry);
    const rest = createRestListener({
      dataplane: this.dataplane,
      repository: this.repositoryHandlers,
      statistics: this.statistics,
      modelConfigs: this.modelConfigs,
      settings,
      logger: this.logger,
      access: this.access,
      draining: this.draining.signal,
    });
    this.restApp = rest.app;
    this.http = createHttpListener(rest.listener, settings, this.tls, this.logger);
    new WsListener({
      dataplane: this.dataplane,
      logger: this.logger,
      settings,
      json: jsonLimits(settings),
      access: this.access,
    }).attach(this.http.server);
    this.metricsServer =
      this.metrics && settings.metrics_endpoint
        ? createMetricsServer(settings.metrics_endpoint, this.metrics.registry, customMetricsRegistry)
        : undefined;
    this.grpcListener = this.createGrpcListener('mlserver');
    this.grpcTritonListener =
      settings.grpc_triton_port === null ? undefined : this.createGrpcListener('triton');
  }

  private createGrpcListener(flavour: StreamFlavour): GrpcListener {
    return new GrpcListener({
      flavour,
      dataplane: this.dataplane,
      repository: this.repositoryHandlers,
      statistics: this.statistics,
      modelConfigs: this.modelConfigs,
      logger: this.logger,
      maxMessageLength: this.settings.grpc_max_message_length ?? DEFAULT_GRPC_MAX_MESSAGE_LENGTH,
      access: this.access,
      connections: this.settings,
      tls: this.tls,
    });
  }

  /** The version label of a model the server knows (any state), or undefined for an unknown one. */
  private knownVersion(name: string, version: string | undefined): string | undefined {
    try {
      return this.registry.get(name, version).version ?? '';
    } catch {
      return undefined;
    }
  }

  /**
   * Starts tracing (when `tracing_server` is set; OpenTelemetry is loaded only then), starts
   * listening, then loads the models (readiness is false until they are loaded).
   */
  async start(): Promise<BoundPorts> {
    const { host, http_port, grpc_port, grpc_triton_port, metrics_port } = this.settings;
    if (this.tracer && this.settings.tracing_server && !this.tracing) {
      this.tracing = await loadTracing(this.tracer, {
        server: this.settings.tracing_server,
        serviceName: this.settings.server_name,
        serviceVersion: this.settings.server_version,
      });
      this.logger.info(`Tracing: spans go to ${this.settings.tracing_server} (OpenTelemetry, OTLP)`);
    }
    const named = (what: string, setting: string, port: number) => (err: unknown) => {
      throw new ListenError(what, setting, host, port, err);
    };
    const http = await listen(this.http.server, host, http_port).catch(named('HTTP', 'http_port', http_port));
    this.logger.info(`HTTP server running on ${this.tls ? 'https' : 'http'}://${host}:${http}`);
    const overTls = this.tls ? (this.tls.ca ? ' over mutual TLS' : ' over TLS') : '';
    const grpc = await this.grpcListener.start(host, grpc_port).catch(named('gRPC', 'grpc_port', grpc_port));
    this.logger.info(`gRPC server running on ${host}:${grpc} (ModelStreamInfer: MLServer flavour)${overTls}`);
    let grpcTriton: number | undefined;
    if (this.grpcTritonListener && grpc_triton_port !== null) {
      grpcTriton = await this.grpcTritonListener
        .start(host, grpc_triton_port)
        .catch(named('gRPC (Triton flavour)', 'grpc_triton_port', grpc_triton_port));
      this.logger.info(
        `gRPC server running on ${host}:${grpcTriton} (ModelStreamInfer: Triton flavour)${overTls}`,
      );
    }
    let metrics: number | undefined;
    if (this.metricsServer) {
      metrics = await listen(this.metricsServer, host, metrics_port).catch(
        named('metrics', 'metrics_port', metrics_port),
      );
      this.logger.info(
        `Metrics server running on http://${host}:${metrics}${this.settings.metrics_endpoint}`,
      );
    }
    const capWarning = connectionCapWarning([
      this.settings.http_max_connections,
      ...(grpcTriton === undefined ? [] : [this.settings.grpc_max_connections]),
      this.settings.grpc_max_connections,
    ]);
    if (capWarning) this.logger.warn(capWarning);
    if (this.settings.load_models_at_startup) {
      this.modelsLoading = this.loadAllModels();
      this.dataplane.holdReadinessUntil(this.modelsLoading);
    }
    return { http, grpc, grpcTriton, metrics };
  }

  /** Resolves once the start-up model loads have settled (each one loaded or failed). */
  whenModelsLoaded(): Promise<void> {
    return this.modelsLoading;
  }

  /**
   * Stops gracefully: readiness turns false and new calls are refused; in-flight requests and
   * streams get `shutdown_grace_period` seconds, then are aborted; models are unloaded.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.logger.info('shutting down: no new requests; waiting for in-flight ones');
    this.dataplane.beginShutdown();
    this.draining.abort();
    const graceMs = this.settings.shutdown_grace_period * 1000;
    const abort = () =>
      this.shutdown.abort(new UnavailableError('server shut down before the request finished'));
    await Promise.all([
      drainHttpListener(this.http, graceMs, abort, this.dataplane.whenStreamsIdle()),
      this.grpcListener.stop(graceMs, abort),
      this.grpcTritonListener?.stop(graceMs, abort),
      this.metricsServer ? closeGracefully(this.metricsServer, 0, () => undefined) : undefined,
    ]);
    await this.modelsLoading;
    // Whatever still ran was aborted when the grace period ended: unloading waits a moment, not
    // a second grace period.
    await this.registry.unloadAll(SHUTDOWN_UNLOAD_WAIT_MS);
    await this.tracing
      ?.shutdown()
      .catch((err: unknown) => this.logger.warn('tracing: the last spans were not exported', err));
    this.logger.info('shutdown complete');
  }

  private async loadAllModels(): Promise<void> {
    const { models, invalid } = await this.repository.scan();
    for (const bad of invalid) {
      this.logger.error(bad.error.message);
      this.registry.registerInvalid(placeholderSettings(bad.name, bad.file), bad.error.message);
    }
    if (models.length === 0 && invalid.length === 0) {
      this.logger.warn(
        `no model-settings.json found under ${this.repository.root} and MLSERVER_MODEL_IMPLEMENTATION is not set`,
      );
    }
    for (const model of models.filter((m) => m.source === MODEL_ENV_SOURCE)) {
      this.logger.info(
        `model ${model.name} from ${MODEL_ENV_SOURCE}: ${model.implementation} in ${model.folder}`,
      );
    }
    await Promise.all(models.map((settings) => this.registry.load(settings)));
    const served = this.registry.list();
    for (const model of served) {
      const version = model.version ? ` version ${model.version}` : '';
      this.logger.info(
        `model ${model.name}${version}: ${model.state}${model.reason ? ` (${model.reason})` : ''}`,
      );
    }
  }
}
