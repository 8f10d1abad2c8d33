import { Worker } from 'node:worker_threads';
import { ModelLoadError } from '../errors.js';
import { replayCustomMetric } from '../metrics/custom-metrics.js';
import type { FromWorker, ToWorker, WorkerReady } from './protocol.js';
import type { WorkerInit } from './worker-init.js';
import { fromWireError } from './wire-error.js';

/** What a call running on a worker is told: its messages, or the worker's death. */
export interface CallHandler {
  onMessage(message: FromWorker): void;
  /** The worker died while the call ran; `how` says how (`exited with code 3`). */
  onCrash(how: string): void;
}

/** Where a worker's own log lines go. */
export type WorkerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * The server thread's handle on one worker thread of a model: starts it and waits until its
 * runtime is loaded, routes its messages to the calls running on it (by id), and reports its
 * death once, whatever the way — `process.exit` in the runtime, an uncaught exception, an
 * out-of-memory stop or a `terminate()`.
 */
export class WorkerLink {
  /** Unary calls running on this worker now. */
  predicts = 0;
  /** Stream calls open on this worker now. */
  streams = 0;
  private readonly handlers = new Map<number, CallHandler>();
  private dead = false;
  private deathListener: ((how: string) => void) | undefined;
  private unloaded: ((error?: Error) => void) | undefined;

  private constructor(
    readonly worker: Worker,
    /** This worker's number among its model's (1-based). */
    readonly index: number,
    private readonly log: WorkerLog,
  ) {}

  /**
   * Starts a worker and resolves once its runtime loaded, with what it reported. A load that
   * fails rejects with the runtime's reason (a `ModelLoadError`), and the worker is ended.
   */
  static start(
    script: URL,
    init: WorkerInit,
    log: WorkerLog,
  ): Promise<{ link: WorkerLink; ready: WorkerReady }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(script, { workerData: init });
      const link = new WorkerLink(worker, init.index, log);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(err);
      };
      link.deathListener = (how) => fail(new ModelLoadError(`its worker thread ${how} while loading`));
      worker.on('message', (message: FromWorker) => {
        if (settled) {
          link.route(message);
          return;
        }
        if (message.t === 'ready') {
          settled = true;
          link.deathListener = undefined;
          resolve({ link, ready: message });
        } else if (message.t === 'load-error') {
          const cause = fromWireError(message.error);
          fail(new ModelLoadError(cause.message, { cause }));
        } else {
          link.route(message); // logs and metrics of a loading runtime
        }
      });
      worker.on('error', (err) => link.died(`threw an uncaught exception: ${err.message}`));
      worker.on('exit', (code) => link.died(`exited with code ${code}`));
    });
  }

  /** Whether the worker is gone. */
  get isDead(): boolean {
    return this.dead;
  }

  /** Called once when the worker dies after it started. */
  onDeath(listener: (how: string) => void): void {
    this.deathListener = listener;
  }

  /** Routes the messages of call `id` to `handler` until `release(id)`. */
  register(id: number, handler: CallHandler): void {
    this.handlers.set(id, handler);
  }

  /** The call is over: its late messages are dropped. */
  release(id: number): void {
    this.handlers.delete(id);
  }

  /** Sends a message; throws when it cannot be cloned. */
  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /**
   * Asks the runtime to unload, then ends the worker once it has. A worker is never terminated
   * while it runs something: a thread terminated inside native code (an onnxruntime run) takes
   * the whole process down. So a runtime still busy after `warnAfterMs` is logged, again every
   * `warnAfterMs`, and waited for — as a runtime's `unload` is waited for in the server thread.
   * Resolves with the runtime's unload error, if any.
   */
  async unload(warnAfterMs: number): Promise<Error | undefined> {
    if (this.dead) return undefined;
    const unloaded = new Promise<Error | undefined>((resolve) => (this.unloaded = resolve));
    this.post({ t: 'unload' });
    const started = performance.now();
    const timer = setInterval(
      () => {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        this.log(
          'warn',
          `worker ${this.index} is still busy ${seconds} s after it was asked to unload (parallel_workers_timeout); waiting for it: a thread is never terminated while it runs`,
        );
      },
      Math.max(warnAfterMs, 100),
    );
    const problem = await unloaded;
    clearInterval(timer);
    this.dead = true; // an exit now is the end we asked for, not a crash
    await this.worker.terminate();
    return problem;
  }

  private route(message: FromWorker): void {
    switch (message.t) {
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'unloaded':
        this.unloaded?.(message.error && fromWireError(message.error));
        return;
      case 'metric':
        try {
          replayCustomMetric(message.event);
        } catch (err) {
          this.log('warn', `custom metric: ${(err as Error).message}`);
        }
        return;
      case 'ready':
      case 'load-error':
        return;
      default:
        this.handlers.get(message.id)?.onMessage(message);
    }
  }

  private died(how: string): void {
    if (this.dead) return;
    this.dead = true;
    this.unloaded?.(new Error(`its worker thread ${how}`));
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const handler of handlers) handler.onCrash(how);
    this.deathListener?.(how);
  }
}
