import { OverloadedError } from './errors.js';

/**
 * Bounds how many inference calls (unary or streaming) run at once. Past the limit a call is
 * refused at once with `OverloadedError` (429 / RESOURCE_EXHAUSTED) instead of queueing and
 * growing memory. `limit: null` admits everything.
 */
export class Admission {
  private running = 0;

  constructor(private readonly limit: number | null) {}

  /** Admits one call; returns the function that ends it (idempotent). */
  admit(): () => void {
    if (this.limit !== null && this.running >= this.limit) {
      throw new OverloadedError(
        `the server is running its limit of ${this.limit} concurrent inference calls (setting max_inflight_requests); retry later`,
      );
    }
    this.running++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
    };
  }

  /** Calls running now. */
  get active(): number {
    return this.running;
  }
}
