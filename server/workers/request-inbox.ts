import type { InferenceRequest } from '../types.js';

/**
 * The requests of one stream inside a worker, as the runtime's `predictStream` iterates them.
 * The server thread sends a few ahead (`REQUEST_WINDOW`); each one the runtime takes is reported
 * back (`onTake`) so the server thread sends the next: the runtime's pace sets the client's.
 */
export class RequestInbox implements AsyncIterable<InferenceRequest> {
  private readonly items: InferenceRequest[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: { error: Error } | undefined;

  constructor(private readonly onTake: () => void) {}

  /** A request arrived from the server thread. */
  push(request: InferenceRequest): void {
    this.items.push(request);
    this.wake();
  }

  /** No more requests; with `error`, the runtime's next read throws it. */
  end(error?: Error): void {
    this.ended = true;
    if (error) this.failure = { error };
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<InferenceRequest> {
    return {
      next: async () => {
        while (true) {
          const item = this.items.shift();
          if (item !== undefined) {
            this.onTake();
            return { value: item, done: false };
          }
          if (this.failure) throw this.failure.error;
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.waiter = resolve));
        }
      },
      return: async () => {
        this.ended = true;
        this.items.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
