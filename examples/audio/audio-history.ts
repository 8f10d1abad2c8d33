/**
 * The recent samples of a stream, addressed by their index from the start of the stream, so that
 * a consumer can take audio from a moment that was only decided later (a speech start reported
 * after the fact). Memory stays bounded when the consumer trims what it no longer needs.
 */
export class AudioHistory {
  private buffer = new Int16Array(16_000);
  private base = 0;
  private length = 0;

  /** Index one past the last sample received. */
  get end(): number {
    return this.base + this.length;
  }

  /** Index of the oldest sample kept. */
  get start(): number {
    return this.base;
  }

  /** Appends samples. */
  append(samples: Int16Array): void {
    if (this.length + samples.length > this.buffer.length) {
      const grown = new Int16Array(Math.max(this.buffer.length * 2, this.length + samples.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(samples, this.length);
    this.length += samples.length;
  }

  /** A copy of the samples in [from, to), clipped to what is kept. */
  slice(from: number, to: number): Int16Array {
    const a = Math.max(from, this.base) - this.base;
    const b = Math.min(to, this.end) - this.base;
    return b > a ? this.buffer.slice(a, b) : new Int16Array(0);
  }

  /** Forgets the samples before `index`. */
  trimBefore(index: number): void {
    const drop = Math.min(Math.max(0, index - this.base), this.length);
    if (drop === 0) return;
    this.buffer.copyWithin(0, drop, this.length);
    this.base += drop;
    this.length -= drop;
  }
}
