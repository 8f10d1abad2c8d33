import type { Call } from './call.js';
import { InvalidInputError } from './errors.js';
import type { SequenceParams } from './sequence-params.js';
import type { Session } from './session.js';
import { untilAbortedPromise } from './stream-utils.js';
import type { InferenceResponse } from './types.js';

interface Waiter {
  resolve(response: InferenceResponse): void;
  reject(error: unknown): void;
}

/**
 * One Triton sequence: a session fed by unary calls. Each step queues its request and waits for
 * the session's next output, in order (a sequence answers each request once: a runtime that
 * streams by itself should yield exactly one response per request). A step whose client leaves
 * stops waiting; the step still runs, so the state stays in order.
 */
export class SequenceRun {
  private readonly waiters: Waiter[] = [];

  constructor(readonly session: Session) {
    void this.pump();
  }

  /** Runs one step: queues `body` (a full queue is a 429) and resolves with its response. */
  async step(body: unknown, params: SequenceParams, call: Call): Promise<InferenceResponse> {
    this.session.offer(body);
    const answered = new Promise<InferenceResponse>((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
    if (params.end) this.session.end();
    return untilAbortedPromise(answered, call.signal);
  }

  private async pump(): Promise<void> {
    let failure: unknown = new InvalidInputError(
      `sequence '${this.session.id}' ended before the model answered this request`,
    );
    try {
      for await (const output of this.session.responses) {
        const waiter = this.waiters.shift();
        if (!waiter) continue;
        if (output.error) waiter.reject(output.error);
        else waiter.resolve(output.response);
      }
    } catch (err) {
      failure = err;
    }
    for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
  }
}
