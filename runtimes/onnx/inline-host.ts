import type { InferenceSession } from 'onnxruntime-node';
import { ModelLoadError } from 'mlserver-ts';
import { explainOpenError } from './element-types.js';
import { abortedError, runError } from './run-errors.js';
import { classifyRunError, createSession, describeSession, runSession } from './session-runner.js';
import type { WireSessionOptions, WireSignature, WireTensor } from './wire.js';

/**
 * One onnxruntime session on the thread the model runs in: a worker thread of the server (the
 * default), or the server thread itself with 0 workers — there runs block the event loop while
 * they compute, so that is for tools and tests that want no threads, not for serving. Runs go
 * one at a time, in order.
 */
export class InlineHost {
  private tail: Promise<unknown> = Promise.resolve();
  /** Runs in progress (0 or 1). */
  running = 0;

  private constructor(
    private readonly model: string,
    private readonly session: InferenceSession,
    readonly signature: WireSignature,
  ) {}

  /** Opens the session. */
  static async open(model: string, file: string, options: WireSessionOptions): Promise<InlineHost> {
    let session: InferenceSession;
    try {
      session = await createSession(file, options);
    } catch (err) {
      const message = explainOpenError(err instanceof Error ? err.message : String(err));
      throw new ModelLoadError(`model '${model}': onnxruntime could not open ${file}: ${message}`, {
        cause: err,
      });
    }
    return new InlineHost(model, session, describeSession(session));
  }

  /**
   * Runs the model on `feeds` and returns the outputs named in `fetches`. A request whose
   * `signal` fired before its turn does not run. Rejects with a 400 for input problems, else a 500.
   */
  run(
    feeds: Record<string, WireTensor>,
    fetches: string[],
    signal: AbortSignal,
  ): Promise<Record<string, WireTensor>> {
    const result = this.tail.then(async () => {
      if (signal.aborted) throw abortedError(signal);
      this.running++;
      try {
        return await runSession(this.session, feeds, fetches);
      } catch (err) {
        throw runError(this.model, classifyRunError(err));
      } finally {
        this.running--;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Waits for the runs in progress, then releases the session. */
  async close(): Promise<void> {
    await this.tail;
    await this.session.release();
  }
}
