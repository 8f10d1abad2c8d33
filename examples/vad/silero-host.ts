import { Worker } from 'node:worker_threads';
import { OverloadedError } from 'mlserver-ts';

/** Silero VAD v5 at 16 kHz: 512-sample windows, each after the previous window's last 64 samples. */
export const WINDOW = 512;
export const CONTEXT = 64;
/** The model's recurrent state: [2, 1, 128]. */
export const STATE_SIZE = 256;

/** One stream's recurrent model state and audio context, carried from call to call. */
export interface SileroState {
  context: Float32Array;
  state: Float32Array;
}

/** A fresh stream's state (zeros, as Silero's `reset_states`). */
export function initialState(): SileroState {
  return { context: new Float32Array(CONTEXT), state: new Float32Array(STATE_SIZE) };
}

interface Job {
  samples: Float32Array;
  from: SileroState;
  resolve: (probabilities: Float32Array) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * Worker threads that run the Silero model, so that the event loop never waits for it. Jobs
 * (some windows of one stream, with that stream's state) queue for the next free worker; a full
 * queue refuses with `OverloadedError`; a worker that dies fails its job and is replaced.
 */
export class SileroHost {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  private constructor(
    private readonly modelPath: string,
    private readonly maxQueue: number,
  ) {}

  /** Starts `workers` threads, each with its own session of the model at `modelPath`. */
  static async start(modelPath: string, workers: number, maxQueue: number): Promise<SileroHost> {
    const host = new SileroHost(modelPath, maxQueue);
    try {
      await Promise.all(Array.from({ length: workers }, () => host.spawn()));
    } catch (err) {
      await host.close();
      throw err;
    }
    return host;
  }

  /**
   * Speech probabilities of whole windows (`samples.length` a multiple of 512), updating `from`
   * in place (state and context) once they are computed.
   */
  run(samples: Float32Array, from: SileroState): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error('the VAD is unloaded'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new OverloadedError(`the VAD queue is full (${this.maxQueue} jobs waiting)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ samples, from, resolve, reject });
      this.pump();
    });
  }

  /** Stops the workers; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the VAD is unloaded'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.postMessage({ samples: job.samples, context: job.from.context, state: job.from.state });
    }
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./vad-worker.mjs', import.meta.url), {
        workerData: { modelPath: this.modelPath, sampleRate: 16000, window: WINDOW, contextSize: CONTEXT },
      });
      const slot: Slot = { worker };
      let started = false;
      worker.on('message', (message: { ready?: true; error?: string } & Partial<Result>) => {
        if (message.ready) {
          started = true;
          this.slots.push(slot);
          resolve();
          this.pump();
          return;
        }
        const job = slot.job;
        slot.job = undefined;
        if (job) settle(job, message);
        this.pump();
      });
      worker.on('error', (err) => {
        if (!started) reject(new Error(`the Silero VAD worker failed to start: ${err.message}`));
      });
      worker.on('exit', (code) => {
        const at = this.slots.indexOf(slot);
        if (at >= 0) this.slots.splice(at, 1);
        slot.job?.reject(new Error(`the Silero VAD worker stopped (exit code ${code})`));
        slot.job = undefined;
        if (!started) reject(new Error(`the Silero VAD worker exited with code ${code} while starting`));
        else if (!this.closed) this.spawn().catch(() => undefined);
      });
    });
  }
}

interface Result {
  probabilities: Float32Array;
  context: Float32Array;
  state: Float32Array;
}

function settle(job: Job, message: { error?: string } & Partial<Result>): void {
  if (message.error !== undefined || !message.probabilities) {
    job.reject(new Error(`Silero VAD failed: ${message.error ?? 'no result'}`));
    return;
  }
  job.from.context.set(message.context!);
  job.from.state.set(message.state!);
  job.resolve(message.probabilities);
}
