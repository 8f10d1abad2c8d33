import type { InferenceSession } from 'onnxruntime-node';
import { ModelLoadError } from 'mlserver-ts';
import { explainOpenError } from './element-types.js';
import { abortedError, runError } from './run-errors.js';
import type { SessionHost } from './session-host.js';
import { classifyRunError, createSession, describeSession, runSession } from './session-runner.js';
import type { WireSessionOptions, WireSignature, WireTensor } from './wire.js';

/**
 * `workers: 0`: one session on the server thread. Runs block the event loop while they compute,
 * so this is for tools and tests that want no threads, not for serving.
 */
export class InlineHost implements SessionHost {
  private tail: Promise<unknown> = Promise.resolve();
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

  async close(): Promise<void> {
    await this.tail;
    await this.session.release();
  }
}
