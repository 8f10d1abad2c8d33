/**
 * A bounded first-in first-out queue between a producer that pushes and one consumer that
 * iterates. `push` resolves once the queue is below its capacity again, so a producer that
 * awaits it is slowed to the consumer's pace (backpressure) and memory stays bounded; `offer`
 * refuses instead of waiting. `end` lets the consumer drain what is queued and stop; `fail`
 * makes the consumer's next read throw.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  constructor(readonly capacity: number) {}

  /** Items waiting for the consumer. */
  get size(): number {
    return this.items.length;
  }

  /** Whether `end` or `fail` was called. */
  get closed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** Adds an item; resolves when the queue has room for another. Throws once the queue is closed. */
  async push(item: T): Promise<void> {
    this.add(item);
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Adds an item if there is room now; returns false when the queue is full. */
  offer(item: T): boolean {
    if (this.items.length >= this.capacity) return false;
    this.add(item);
    return true;
  }

  /** No more items: the consumer reads what is queued, then stops. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The consumer's next read throws `error`; queued items are dropped. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.items.length = 0;
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        while (true) {
          if (this.failure) throw this.failure.error;
          if (this.items.length > 0) {
            const item = this.items.shift() as T;
            this.roomWaiters.shift()?.();
            return { value: item, done: false };
          }
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            this.itemWaiter = resolve;
          });
        }
      },
      return: async () => {
        this.end();
        return { value: undefined, done: true };
      },
    };
  }

  private add(item: T): void {
    if (this.closed) throw new Error('the queue is closed');
    this.items.push(item);
    const waiter = this.itemWaiter;
    this.itemWaiter = undefined;
    waiter?.();
  }

  private wake(): void {
    const waiter = this.itemWaiter;
    this.itemWaiter = undefined;
    waiter?.();
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
