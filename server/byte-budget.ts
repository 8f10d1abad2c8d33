import { OverloadedError } from './errors.js';

/**
 * The bytes of requests the server holds at once (bodies read, tensors decoded), bounded by
 * `max_inflight_bytes`: past it a new request is refused with 429 / RESOURCE_EXHAUSTED instead of
 * growing memory until the process dies. `limit: null` admits everything.
 */
export class ByteBudget {
  private held = 0;

  constructor(private readonly limit: number | null) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Takes `bytes` more for one request, or throws `OverloadedError`; returns the function that
   * gives them back (idempotent). A request may grow its share with `grow` while it reads.
   */
  reserve(bytes: number): { grow(more: number): void; release(): void } {
    let mine = 0;
    let released = false;
    const take = (more: number) => {
      if (released) return;
      if (this.limit !== null && this.held + more > this.limit) {
        throw new OverloadedError(
          `the server holds ${this.held} bytes of requests, its limit (setting max_inflight_bytes); retry later`,
        );
      }
      this.held += more;
      mine += more;
    };
    take(bytes);
    return {
      grow: take,
      release: () => {
        if (released) return;
        released = true;
        this.held -= mine;
      },
    };
  }
}
