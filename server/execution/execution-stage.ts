import type { Call } from '../call.js';
import type { InferenceContext } from '../context.js';
import { isInferenceServerError, OverloadedError } from '../errors.js';
import type { MLModel } from '../model.js';
import type { InferenceRequest, InferenceResponse } from '../types.js';
import { type BatchShape, batchShape } from './batch-key.js';
import type { BatchLayout } from './batch-layout.js';
import { mergeRequests, splitResponse } from './batch-request.js';
import { BatchSignal } from './batch-signal.js';

/** How a model's execution stage runs its requests. */
export interface StageOptions {
  /** The model's name, for messages. */
  model: string;
  /** Requests that may wait (not yet running); more are refused with 429 / RESOURCE_EXHAUSTED. */
  maxQueue: number;
  /** Requests merged into one model call at most (MLServer's `max_batch_size`); ≤ 1: no batching. */
  maxBatchSize: number;
  /** How long the first request of a batch waits for others (MLServer's `max_batch_time`), ms. */
  maxBatchTimeMs: number;
  /** Model calls that may run at once (a worker-backed runtime's workers); more wait. */
  concurrency: number;
  /** Where each tensor keeps its batch. */
  layout: BatchLayout;
  /** Told the size of every batch run (metrics). */
  onBatch?(size: number): void;
}

/** A request waiting for, or running in, a model call. */
interface Job {
  request: InferenceRequest;
  context: InferenceContext;
  call: Call | undefined;
  shape: BatchShape | undefined;
  enqueuedAt: number;
  state: 'waiting' | 'running' | 'settled';
  /** The batch or group array the job waits in. */
  holder: Job[] | undefined;
  resolve(response: InferenceResponse): void;
  reject(error: unknown): void;
  onAbort(): void;
}

/** Requests of one batch key collecting until the batch is full or its time is up. */
interface Group {
  jobs: Job[];
  timer: NodeJS.Timeout;
}

/** Codes that say the request itself is wrong: in a batch, worth telling which one. */
const REQUEST_FAULTS = new Set(['invalid_argument', 'payload_too_large', 'unsupported_media_type']);

/**
 * The execution stage of one loaded model, between the lease and the runtime: every `predict`
 * of the model — unary calls from any transport, each step of a session or sequence — goes
 * through it. It bounds what waits (`maxQueue`), runs at most `concurrency` model calls at once,
 * and with `maxBatchSize > 1` merges compatible requests along their batch axis into one call:
 * a batch runs once it has `maxBatchSize` requests or `maxBatchTimeMs` after its first request
 * arrived, whichever comes first, and its response is split back, each request getting its own
 * share with its own id. Each request keeps its own signal: one that is aborted leaves at once,
 * the batch runs on for the others (its runtime signal fires when all have left).
 */
export class ExecutionStage {
  private running = 0;
  private waitingCount = 0;
  private readonly ready: Job[][] = [];
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly model: Pick<MLModel, 'predict'>,
    private readonly options: StageOptions,
  ) {}

  /** Requests waiting to run now. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Model calls running now. */
  get active(): number {
    return this.running;
  }

  /**
   * Runs one request through the model (alone or in a batch); resolves with its own response.
   * Rejects with the signal's reason as soon as `context.signal` fires, and with
   * `OverloadedError` when the queue is full.
   */
  predict(request: InferenceRequest, context: InferenceContext, call?: Call): Promise<InferenceResponse> {
    const { signal } = context;
    if (signal.aborted) return Promise.reject(signal.reason);
    const shape = this.options.maxBatchSize > 1 ? batchShape(request, this.options.layout) : undefined;
    if (!shape && this.running < this.options.concurrency && this.ready.length === 0) {
      call?.queued(0);
      return this.runAlone(request, context, call);
    }
    if (this.waitingCount >= this.options.maxQueue) {
      return Promise.reject(
        new OverloadedError(
          `model '${this.options.model}' has ${this.waitingCount} requests waiting, its limit (setting max_queue_size); retry later`,
        ),
      );
    }
    return new Promise<InferenceResponse>((resolve, reject) => {
      const job: Job = {
        request,
        context,
        call,
        shape,
        enqueuedAt: performance.now(),
        state: 'waiting',
        holder: undefined,
        resolve: (response) => {
          if (job.state === 'settled') return;
          job.state = 'settled';
          signal.removeEventListener('abort', job.onAbort);
          resolve(response);
        },
        reject: (error) => {
          if (job.state === 'settled') return;
          if (job.state === 'waiting') this.leave(job);
          job.state = 'settled';
          signal.removeEventListener('abort', job.onAbort);
          reject(error);
        },
        onAbort: () => job.reject(signal.reason),
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.waitingCount++;
      this.enqueue(job);
      this.pump();
    });
  }

  private enqueue(job: Job): void {
    if (!job.shape) {
      job.holder = [job];
      this.ready.push(job.holder);
      return;
    }
    const { key } = job.shape;
    let group = this.groups.get(key);
    if (!group) {
      const jobs: Job[] = [];
      const timer = setTimeout(() => this.close(key, jobs), this.options.maxBatchTimeMs);
      group = { jobs, timer };
      this.groups.set(key, group);
    }
    group.jobs.push(job);
    job.holder = group.jobs;
    if (group.jobs.length >= this.options.maxBatchSize) {
      clearTimeout(group.timer);
      this.close(key, group.jobs);
    }
  }

  /** A group's batch is complete (full, or its time is up): it runs when a model call is free. */
  private close(key: string, jobs: Job[]): void {
    if (this.groups.get(key)?.jobs !== jobs) return;
    this.groups.delete(key);
    if (jobs.length > 0) this.ready.push(jobs);
    this.pump();
  }

  /** A waiting job leaves the queue (its caller gave up). */
  private leave(job: Job): void {
    this.waitingCount--;
    const holder = job.holder;
    if (!holder) return;
    const at = holder.indexOf(job);
    if (at >= 0) holder.splice(at, 1);
  }

  /** Starts ready batches while model calls are free. */
  private pump(): void {
    while (this.running < this.options.concurrency && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      if (batch.length === 0) continue;
      this.topUp(batch);
      for (const job of batch) {
        job.state = 'running';
        job.holder = undefined;
      }
      this.waitingCount -= batch.length;
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * A batch that waited for a free model call takes requests of its kind that arrived since
   * (they would wait anyway), up to the batch size.
   */
  private topUp(batch: Job[]): void {
    const shape = batch[0]!.shape;
    if (!shape) return;
    const group = this.groups.get(shape.key);
    if (!group) return;
    while (batch.length < this.options.maxBatchSize && group.jobs.length > 0) batch.push(group.jobs.shift()!);
    if (group.jobs.length === 0) {
      clearTimeout(group.timer);
      this.groups.delete(shape.key);
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const started = performance.now();
    for (const job of batch) job.call?.queued((started - job.enqueuedAt) / 1000);
    if (this.options.maxBatchSize > 1) this.options.onBatch?.(batch.length);
    if (batch.length === 1) {
      const job = batch[0]!;
      await this.invoke(job.request, job.context, job.call).then(job.resolve, job.reject);
      return;
    }
    const signal = new BatchSignal(batch.map((job) => job.context.signal));
    try {
      const requests = batch.map((job) => job.request);
      const first = batch[0]!;
      const context: InferenceContext = { ...first.context, signal: signal.signal };
      const response = await this.invoke(mergeRequests(requests, this.options.layout), context, first.call);
      const sizes = batch.map((job) => job.shape!.size);
      const shares = splitResponse(this.options.model, response, requests, sizes, this.options.layout);
      for (const [i, job] of batch.entries()) job.resolve(shares[i]!);
    } catch (err) {
      if (!isInferenceServerError(err) || !REQUEST_FAULTS.has(err.code)) {
        for (const job of batch) job.reject(err);
        return;
      }
      // The batch was refused for what one of its requests holds: each runs on its own, so only
      // the requests at fault fail.
      for (const job of batch) {
        if (job.state === 'settled') continue;
        await this.invoke(job.request, job.context, job.call).then(job.resolve, job.reject);
      }
    } finally {
      signal.dispose();
    }
  }

  /** The fast path: nothing waits, a model call is free, the request runs at once. */
  private async runAlone(
    request: InferenceRequest,
    context: InferenceContext,
    call: Call | undefined,
  ): Promise<InferenceResponse> {
    this.running++;
    try {
      return await this.invoke(request, context, call);
    } finally {
      this.running--;
      if (this.ready.length > 0) this.pump();
    }
  }

  /** One model call, followed by the call's observers (tracing) when there is a call. */
  private async invoke(
    request: InferenceRequest,
    context: InferenceContext,
    call: Call | undefined,
  ): Promise<InferenceResponse> {
    if (!call) return await this.model.predict(request, context);
    return await call.runtime('predict', (runtime) =>
      this.model.predict(
        request,
        runtime.traceparent ? { ...context, traceparent: runtime.traceparent } : context,
      ),
    );
  }
}
