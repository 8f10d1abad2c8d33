import type { WireSignature, WireTensor } from './wire.js';

/**
 * Where a model's sessions live: a pool of worker threads, or (`workers: 0`) the server thread.
 * The model only sees this interface.
 */
export interface SessionHost {
  /** The model's inputs and outputs, as the session reports them. */
  readonly signature: WireSignature;
  /** Requests running on a session right now (for diagnostics and tests). */
  readonly running: number;
  /**
   * Runs the model on `feeds` and returns the outputs named in `fetches`. Numeric feed buffers
   * may be transferred (detached). A request whose `signal` fires before it starts does not run.
   * Rejects with an `InferenceServerError` (400 for input problems, 500 otherwise).
   */
  run(
    feeds: Record<string, WireTensor>,
    fetches: string[],
    signal: AbortSignal,
  ): Promise<Record<string, WireTensor>>;
  /** Stops the sessions; queued requests fail as unavailable. */
  close(): Promise<void>;
}
