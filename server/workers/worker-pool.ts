import type { Worker } from 'node:worker_threads';
import type { InferenceContext } from '../context.js';
import {
  CancelledError,
  InferenceServerError,
  InternalError,
  ModelLoadError,
  OverloadedError,
  UnavailableError,
} from '../errors.js';
import type { ModelFilesPolicy } from '../model-files.js';
import type { ModelCapabilities } from '../model.js';
import type { ModelSettings } from '../settings/model-settings.js';
import type { InferenceRequest, InferenceResponse, ModelMetadata } from '../types.js';
import type { WireContext } from './protocol.js';
import { packRequest, unpackResponse } from './tensor-transfer.js';
import { WorkerLink, type WorkerLog } from './worker-link.js';
import { workerScript } from './worker-script.js';
import { WorkerStream } from './worker-stream.js';
import { fromWireError, toWireError } from './wire-error.js';

/** How the pool reports what happens to its workers (the server's logger fits). */
export interface PoolLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** How a model's pool is set up. */
export interface PoolOptions {
  settings: ModelSettings;
  /** Worker threads, each with its own instance of the runtime. */
  workers: number;
  /**
   * Unary calls that may wait for a free worker; more get 429. The core's execution stage never
   * sends more than `concurrency` calls at once, so this bound is for callers without it.
   */
  maxWaiting: number;
  policy: ModelFilesPolicy;
  logger: PoolLogger;
  /**
   * After how long (and how often) a worker still unloading its runtime is logged
   * (`parallel_workers_timeout`); a busy worker is never terminated.
   */
  unloadWarnMs: number;
  /** Told when the model goes from some live workers to none (`serving` false), and back. */
  onServing?(serving: boolean, reason: string): void;
  /** The worker program (tests pass stand-ins); default the compiled `worker-main.js`. */
  script?: URL;
}

/** A unary call waiting for, or running on, a worker. */
interface Job {
  request: InferenceRequest;
  context: InferenceContext;
  resolve(response: InferenceResponse): void;
  reject(error: Error): void;
  onAbort(): void;
}

/**
 * The worker threads of one model, each running its own instance of the runtime. A unary call
 * runs on a worker that is not running another (first come, first served); a stream stays on
 * one worker for its life, the one with the fewest streams. A worker that dies — `process.exit`
 * in the runtime, an uncaught exception — fails the calls it was running with a 500 naming the
 * crash and is replaced (the runtime loaded afresh); while no worker is alive the model reports
 * itself not ready (`onServing`) and calls wait for the replacement — or fail at once with its
 * load error while it keeps failing. Other models, and this model's other workers, are not affected.
 *
 * Why worker threads rather than child processes: a request's tensors reach a thread by moving
 * their buffers (a process would get them copied through a pipe, both ways, for every call), a
 * thread starts in a fraction of the time and memory of a Node process, and native libraries are
 * loaded once per process. What threads cannot do is survive a native crash: a segfault or
 * `abort()` in an addon ends the whole process, as it does in the server thread. JavaScript
 * failures — an uncaught exception, `process.exit`, running out of heap — end only the thread.
 */
export class WorkerPool {
  private readonly links: WorkerLink[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closing = false;
  /** Why the last replacement failed to start, while it keeps failing. */
  private spawnFailure: string | undefined;
  /** Stream calls waiting for a live worker (none is alive). */
  private workerWaiters: (() => void)[] = [];

  private constructor(
    private readonly options: PoolOptions,
    private readonly script: URL,
    /** What the runtime reported when it loaded (the first worker's). */
    readonly metadata: ModelMetadata,
    readonly capabilities: ModelCapabilities,
  ) {}

  /** Starts every worker and resolves once each has loaded the runtime; a failing load fails them all. */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    const script = options.script ?? workerScript();
    const log = workerLog(options);
    const started = await Promise.allSettled(
      Array.from({ length: options.workers }, (_, i) =>
        WorkerLink.start(script, initFor(options, i + 1), log),
      ),
    );
    const links = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(links.map(({ link }) => link.worker.terminate()));
      const reason: unknown = failed.reason;
      throw reason instanceof InferenceServerError
        ? reason
        : new ModelLoadError(String((reason as Error)?.message ?? reason), { cause: reason });
    }
    const { metadata, capabilities } = links[0]!.ready;
    const pool = new WorkerPool(options, script, metadata, capabilities);
    for (const { link } of links) pool.adopt(link);
    return pool;
  }

  /** The model's name, for messages. */
  private get model(): string {
    return this.options.settings.name;
  }

  /** Workers alive now. */
  get live(): number {
    return this.links.length;
  }

  /** Unary calls running on a worker now. */
  get running(): number {
    return this.links.reduce((sum, link) => sum + link.predicts, 0);
  }

  /** Unary calls waiting for a free worker. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The worker threads (for diagnostics and tests: terminating one shows how the pool recovers). */
  get threads(): readonly Worker[] {
    return this.links.map((link) => link.worker);
  }

  /** Runs one unary call on a free worker, waiting for one when all are busy. */
  predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    if (this.closing) return Promise.reject(new UnavailableError(`model '${this.model}' is unloading`));
    if (context.signal.aborted) return Promise.reject(abortedError(context.signal));
    if (this.links.length === 0 && this.spawnFailure) {
      return Promise.reject(
        new InternalError(`model '${this.model}' has no working worker: ${this.spawnFailure}`),
      );
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      return Promise.reject(
        new OverloadedError(
          `model '${this.model}': ${this.waiting.length} requests are waiting for a worker; retry later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        request,
        context,
        resolve,
        reject,
        onAbort: () => {
          const index = this.waiting.indexOf(job);
          if (index < 0) return;
          this.waiting.splice(index, 1);
          reject(abortedError(context.signal));
        },
      };
      context.signal.addEventListener('abort', job.onAbort, { once: true });
      this.waiting.push(job);
      this.dispatch();
    });
  }

  /**
   * Opens a stream call on the live worker with the fewest streams; while none is alive (a
   * replacement is loading) it waits for one.
   */
  async stream(context: InferenceContext): Promise<WorkerStream> {
    let link = this.leastLoaded();
    while (!link) {
      if (this.closing) throw new UnavailableError(`model '${this.model}' is unloading`);
      if (this.spawnFailure)
        throw new InternalError(`model '${this.model}' has no working worker: ${this.spawnFailure}`);
      if (context.signal.aborted) throw abortedError(context.signal);
      await this.nextWorker(context.signal);
      link = this.leastLoaded();
    }
    const id = this.nextId++;
    const chosen = link;
    chosen.streams++;
    const onAbort = () => stream.abort(context.signal.reason);
    const stream = new WorkerStream(
      chosen,
      id,
      (how) => this.crashError(chosen, how),
      () => {
        chosen.streams--;
        context.signal.removeEventListener('abort', onAbort);
      },
    );
    chosen.post({ t: 'stream', id, context: wireContext(context) });
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
    return stream;
  }

  /**
   * Refuses new calls and fails waiting ones; each worker unloads its runtime (after the calls
   * still running there, which the registry has already drained or aborted) and is ended.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeStreams();
    for (const job of this.waiting.splice(0)) {
      job.context.signal.removeEventListener('abort', job.onAbort);
      job.reject(new UnavailableError(`model '${this.model}' was unloaded`));
    }
    const links = this.links.splice(0);
    const problems = await Promise.all(links.map((link) => link.unload(this.options.unloadWarnMs)));
    problems.forEach((problem, i) => {
      if (problem)
        this.options.logger.warn(`model '${this.model}': worker ${links[i]!.index}: ${problem.message}`);
    });
  }

  /** Resolves when a worker joins or the pool's situation changes (closing, failing); or on abort. */
  private nextWorker(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.workerWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeStreams(): void {
    for (const wake of this.workerWaiters.splice(0)) wake();
  }

  /** Hands waiting calls to free workers. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      const link = this.links.find((l) => l.predicts === 0 && !l.isDead);
      if (!link) return;
      const job = this.waiting.shift()!;
      job.context.signal.removeEventListener('abort', job.onAbort);
      this.run(link, job);
    }
  }

  private run(link: WorkerLink, job: Job): void {
    const id = this.nextId++;
    const { signal } = job.context;
    link.predicts++;
    let settled = false;
    const onAbort = () => {
      if (!link.isDead) link.post({ t: 'abort', id, reason: toWireError(signal.reason) });
    };
    const finish = (error: Error | undefined, response?: InferenceResponse) => {
      if (settled) return;
      settled = true;
      link.release(id);
      link.predicts--;
      signal.removeEventListener('abort', onAbort);
      if (error) job.reject(error);
      else job.resolve(response!);
      if (!this.closing) this.dispatch();
    };
    link.register(id, {
      onMessage: (message) => {
        if (message.t === 'result') finish(undefined, unpackResponse(message.response));
        else if (message.t === 'error') finish(fromWireError(message.error));
      },
      onCrash: (how) => finish(this.crashError(link, how)),
    });
    try {
      const { packed, transfer } = packRequest(job.request);
      link.post({ t: 'predict', id, request: packed, context: wireContext(job.context) }, transfer);
    } catch (err) {
      finish(
        new InternalError(
          `model '${this.model}': the request could not be sent to its worker: ${(err as Error).message}`,
          {
            cause: err,
          },
        ),
      );
      return;
    }
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  /** The live worker with the fewest streams (then the fewest unary calls). */
  private leastLoaded(): WorkerLink | undefined {
    let best: WorkerLink | undefined;
    for (const link of this.links) {
      if (link.isDead) continue;
      if (
        !best ||
        link.streams < best.streams ||
        (link.streams === best.streams && link.predicts < best.predicts)
      )
        best = link;
    }
    return best;
  }

  private crashError(link: WorkerLink, how: string): InternalError {
    const next = this.closing ? '' : '; the worker is being replaced';
    return new InternalError(
      `model '${this.model}': the worker thread running this request (worker ${link.index} of ${this.options.workers}) ${how}${next}`,
    );
  }

  /** Takes a started worker into the pool and watches it. */
  private adopt(link: WorkerLink): void {
    this.links.push(link);
    link.onDeath((how) => this.onDeath(link, how));
    this.dispatch();
    this.wakeStreams();
  }

  /** A worker died: it leaves the pool and a replacement starts (unless the model is unloading). */
  private onDeath(link: WorkerLink, how: string): void {
    const index = this.links.indexOf(link);
    if (index < 0) return;
    this.links.splice(index, 1);
    if (this.closing) return;
    const { logger, onServing } = this.options;
    logger.warn(
      `model '${this.model}': worker ${link.index} of ${this.options.workers} ${how}; the calls it was running failed; starting a replacement`,
    );
    if (this.links.length === 0) {
      onServing?.(false, `no live worker: worker ${link.index} ${how}; a replacement is starting`);
    }
    this.replace(link.index, 0);
  }

  private replace(index: number, attempt: number): void {
    if (this.closing) return;
    const { logger, onServing } = this.options;
    WorkerLink.start(this.script, initFor(this.options, index), workerLog(this.options)).then(
      ({ link }) => {
        if (this.closing) {
          void link.worker.terminate();
          return;
        }
        this.spawnFailure = undefined;
        logger.info(`model '${this.model}': worker ${index} replaced`);
        this.adopt(link);
        if (this.links.length === 1) onServing?.(true, '');
      },
      (err: Error) => {
        if (this.closing) return;
        logger.error(`model '${this.model}': replacing worker ${index} failed: ${err.message}`);
        this.spawnFailure = err.message;
        if (this.links.length === 0) {
          for (const job of this.waiting.splice(0)) {
            job.context.signal.removeEventListener('abort', job.onAbort);
            job.reject(new InternalError(`model '${this.model}' has no working worker: ${err.message}`));
          }
          onServing?.(false, `no live worker: replacing worker ${index} failed: ${err.message}; retrying`);
          this.wakeStreams();
        }
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        setTimeout(() => this.replace(index, attempt + 1), delay).unref();
      },
    );
  }
}

function initFor(options: PoolOptions, index: number) {
  return { settings: options.settings, policy: options.policy, index, count: options.workers };
}

function workerLog(options: PoolOptions): WorkerLog {
  const prefix = `model '${options.settings.name}' (worker thread)`;
  return (level, message) => options.logger[level](`${prefix}: ${message}`);
}

function wireContext(context: InferenceContext): WireContext {
  const wire: WireContext = { headers: { ...context.headers }, requestId: context.requestId };
  if (context.traceparent) wire.traceparent = context.traceparent;
  return wire;
}

/** The error for a call whose signal fired before it reached a worker. */
function abortedError(signal: AbortSignal): InferenceServerError {
  const reason: unknown = signal.reason;
  if (reason instanceof InferenceServerError) return reason;
  return new CancelledError('request cancelled before the model ran it', { cause: reason });
}
