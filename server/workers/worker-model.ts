import type { Worker } from 'node:worker_threads';
import type { InferenceContext } from '../context.js';
import { ModelNotReadyError } from '../errors.js';
import type { ModelFilesPolicy } from '../model-files.js';
import { MLModel, type ModelCapabilities } from '../model.js';
import type { ModelSettings } from '../settings/model-settings.js';
import type { InferenceRequest, InferenceResponse, ModelMetadata } from '../types.js';
import { type PoolLogger, WorkerPool } from './worker-pool.js';

/** How a model is run in workers: how many, and what they need. */
export interface WorkerModelOptions {
  workers: number;
  /** Unary calls that may wait for a free worker before 429 (see `PoolOptions.maxWaiting`). */
  maxWaiting: number;
  policy: ModelFilesPolicy;
  logger: PoolLogger;
  /** When to log a worker still unloading (`parallel_workers_timeout`). */
  unloadWarnMs: number;
  /** The worker program (tests pass stand-ins). */
  script?: URL;
}

/**
 * A model whose runtime runs in worker threads (`parallel_workers` > 0), as the server thread
 * sees it: an ordinary `MLModel` whose methods cross to the workers. `load` starts the workers,
 * each of which loads the runtime as the CLI would; `predict` runs on a free worker;
 * `predictStream` runs on one worker, requests in and responses out with bounded windows both
 * ways; `context.signal` fires in the worker; errors come back as the server's classes (a
 * runtime's `InvalidInputError` stays a 400); `metadata` and `capabilities` are what the runtime
 * reported when it loaded, with `concurrency` = the number of workers. The request's typed-array
 * buffers are transferred to the worker (detached here) rather than copied.
 *
 * While no worker is alive (one crashed and its replacement is loading) the model is not ready:
 * `ready` is false and `unavailableReason` says why; calls still sent wait for the replacement.
 */
export class WorkerModel extends MLModel {
  private pool: WorkerPool | undefined;
  /** Why the model cannot serve now, while it cannot (no live worker). */
  unavailableReason: string | undefined;

  constructor(
    settings: ModelSettings,
    private readonly options: WorkerModelOptions,
  ) {
    super(settings);
  }

  /** The model's workers, once loaded (for diagnostics and tests). */
  get workers():
    | { readonly threads: readonly Worker[]; readonly running: number; readonly queued: number }
    | undefined {
    return this.pool;
  }

  override async load(): Promise<void> {
    this.pool = await WorkerPool.start({
      settings: this.settings,
      workers: this.options.workers,
      maxWaiting: this.options.maxWaiting,
      policy: this.options.policy,
      logger: this.options.logger,
      unloadWarnMs: this.options.unloadWarnMs,
      script: this.options.script,
      onServing: (serving, reason) => {
        if (this.pool === undefined) return; // unloaded meanwhile
        this.unavailableReason = serving ? undefined : reason;
        this.ready = serving;
      },
    });
    const { workers } = this.options;
    this.options.logger.info(
      `model '${this.name}' runs in ${workers} worker thread${workers === 1 ? '' : 's'}`,
    );
  }

  override predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const pool = this.pool;
    if (!pool) return Promise.reject(new ModelNotReadyError(`model '${this.name}' is not loaded`));
    return pool.predict(request, context);
  }

  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    const pool = this.pool;
    if (!pool) throw new ModelNotReadyError(`model '${this.name}' is not loaded`);
    const stream = await pool.stream(context);
    void stream.feed(requests);
    try {
      while (true) {
        const next = await stream.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      stream.close();
    }
  }

  override async unload(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  /** What the runtime offers, as it reported it, with one `predict` at a time per worker. */
  override get capabilities(): ModelCapabilities {
    const reported = this.pool?.capabilities ?? { unary: false, nativeStream: false };
    return { ...reported, concurrency: this.options.workers };
  }

  /** The runtime's metadata, as it reported it when it loaded. */
  override async metadata(): Promise<ModelMetadata> {
    const metadata = this.pool?.metadata;
    return metadata ? structuredClone(metadata) : super.metadata();
  }
}
