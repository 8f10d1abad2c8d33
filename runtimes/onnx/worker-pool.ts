import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { InternalError, ModelLoadError, OverloadedError, UnavailableError } from 'mlserver-ts';
import { abortedError, runError } from './run-errors.js';
import { spawn } from './worker-spawn.js';
import type { SessionHost } from './session-host.js';
import type { WorkerInit } from './worker.js';
import {
  type FromWorker,
  type ToWorker,
  transferables,
  type WireSignature,
  type WireTensor,
} from './wire.js';

/** A request waiting for, or running on, a worker. */
interface Job {
  id: number;
  feeds: Record<string, WireTensor>;
  fetches: string[];
  signal: AbortSignal;
  resolve(outputs: Record<string, WireTensor>): void;
  reject(err: Error): void;
  onAbort(): void;
}

/** One worker thread and the job it is running. */
interface Slot {
  worker: Worker;
  job: Job | undefined;
  /** Called when the running job ends (close() waits for it). */
  onIdle: (() => void) | undefined;
}

/** How the pool reports what happens to its workers (the server's logger fits). */
export interface PoolLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Sizes of the pool. */
export interface PoolLimits {
  workers: number;
  /** Requests that may wait for a worker; more are refused with 429. */
  maxQueue: number;
}

/**
 * The worker script. Node cannot run TypeScript in a worker and jest does not transform worker
 * files, so the pool always starts the compiled `dist/runtimes/onnx/worker.js`: next to this
 * module when it runs from `dist/`, or found from the package root when it runs from the sources
 * (jest, tsx). `npm test` and `npm start` build first.
 */
export function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/runtimes/onnx/worker.js', here)
    : new URL('./worker.js', here);
}

/**
 * Worker threads, each with its own onnxruntime session, fed from one bounded queue. A worker
 * that dies is replaced; the request it was running fails with a 500 and the model stays served.
 */
export class WorkerPool implements SessionHost {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closing = false;
  /** Why the last replacement worker failed to start, while no worker is running. */
  private spawnFailure: string | undefined;

  private constructor(
    private readonly model: string,
    private readonly init: WorkerInit,
    private readonly limits: PoolLimits,
    private readonly logger: PoolLogger,
    private readonly script: URL,
    readonly signature: WireSignature,
  ) {}

  /**
   * Starts `limits.workers` workers and resolves once every session is open. `script` is the
   * worker program (tests pass stand-ins that speak the same messages).
   */
  static async start(
    model: string,
    init: WorkerInit,
    limits: PoolLimits,
    logger: PoolLogger,
    script = workerScript(),
  ): Promise<WorkerPool> {
    if (!existsSync(fileURLToPath(script))) {
      throw new ModelLoadError(
        `the ONNX worker script ${fileURLToPath(script)} is missing: run 'npm run build'`,
      );
    }
    const started = await Promise.allSettled(
      Array.from({ length: limits.workers }, () => spawn(script, init)),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed) {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
      throw new ModelLoadError(`model '${model}': ${(failed.reason as Error).message}`, {
        cause: failed.reason,
      });
    }
    const pool = new WorkerPool(model, init, limits, logger, script, workers[0]!.signature);
    for (const { worker } of workers) pool.adopt(worker);
    return pool;
  }

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Requests running on a worker now. */
  get running(): number {
    return this.slots.filter((slot) => slot.job).length;
  }

  /** The worker threads (for diagnostics and tests: terminating one shows how the pool recovers). */
  get threads(): readonly Worker[] {
    return this.slots.map((slot) => slot.worker);
  }

  run(
    feeds: Record<string, WireTensor>,
    fetches: string[],
    signal: AbortSignal,
  ): Promise<Record<string, WireTensor>> {
    if (this.closing) return Promise.reject(new UnavailableError(`model '${this.model}' is unloading`));
    if (signal.aborted) return Promise.reject(abortedError(signal));
    if (this.slots.length === 0 && this.spawnFailure) {
      return Promise.reject(
        new InternalError(`model '${this.model}' has no working session: ${this.spawnFailure}`),
      );
    }
    if (this.queue.length >= this.limits.maxQueue) {
      return Promise.reject(
        new OverloadedError(
          `model '${this.model}': ${this.queue.length} requests are waiting for a worker; retry later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        feeds,
        fetches,
        signal,
        resolve,
        reject,
        onAbort: () => {
          const index = this.queue.indexOf(job);
          if (index < 0) return; // already running: it finishes and its result is dropped upstream
          this.queue.splice(index, 1);
          reject(abortedError(signal));
        },
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /**
   * Refuses new requests, fails queued ones, lets running ones finish, then ends the workers.
   * A worker is never terminated inside `run()`: onnxruntime's native call would return into a
   * torn-down thread and abort the whole process.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0))
      this.settle(job, new UnavailableError(`model '${this.model}' was unloaded`));
    await Promise.all(
      [...this.slots].map(async (slot) => {
        if (slot.job) await new Promise<void>((resolve) => (slot.onIdle = resolve));
        await slot.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }

  /** Hands queued jobs to idle workers. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      job.signal.removeEventListener('abort', job.onAbort);
      slot.job = job;
      const message: ToWorker = { type: 'run', id: job.id, feeds: job.feeds, fetches: job.fetches };
      try {
        slot.worker.postMessage(message, transferables(job.feeds));
      } catch (err) {
        slot.job = undefined;
        job.reject(
          new InternalError(`model '${this.model}': could not send the request to a worker`, { cause: err }),
        );
      }
    }
  }

  /** Takes a started worker into the pool and watches it. */
  private adopt(worker: Worker): void {
    const slot: Slot = { worker, job: undefined, onIdle: undefined };
    this.slots.push(slot);
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (err) => this.onDeath(slot, `failed: ${err.message}`));
    worker.on('exit', (code) => this.onDeath(slot, `exited with code ${code}`));
    this.dispatch();
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const job = slot.job;
    if (message.type !== 'result' && message.type !== 'error') return;
    if (!job || job.id !== message.id) return;
    slot.job = undefined;
    if (message.type === 'result') this.settle(job, undefined, message.outputs);
    else this.settle(job, runError(this.model, message.error));
    slot.onIdle?.();
    if (!this.closing) this.dispatch();
  }

  /** A worker crashed or exited: fail its request, replace it (unless closing). Runs once per worker. */
  private onDeath(slot: Slot, how: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const replacing = this.closing ? '' : '; the worker is being replaced';
      this.settle(
        job,
        new InternalError(`model '${this.model}': the worker running this request ${how}${replacing}`),
      );
    }
    slot.onIdle?.();
    void slot.worker.terminate();
    if (this.closing) return;
    this.logger.warn(`model '${this.model}': an ONNX session worker ${how}; starting a replacement`);
    this.replace(0);
  }

  private replace(attempt: number): void {
    if (this.closing) return;
    spawn(this.script, this.init).then(
      ({ worker }) => {
        if (this.closing) {
          void worker.terminate();
          return;
        }
        this.spawnFailure = undefined;
        this.adopt(worker);
      },
      (err: Error) => {
        this.logger.error(`model '${this.model}': replacing a worker failed: ${err.message}`);
        this.spawnFailure = err.message;
        if (this.slots.length === 0) {
          for (const job of this.queue.splice(0)) {
            this.settle(
              job,
              new InternalError(`model '${this.model}' has no working session: ${err.message}`),
            );
          }
        }
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        setTimeout(() => this.replace(attempt + 1), delay).unref();
      },
    );
  }

  private settle(job: Job, error: Error | undefined, outputs?: Record<string, WireTensor>): void {
    job.signal.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(outputs!);
  }
}
