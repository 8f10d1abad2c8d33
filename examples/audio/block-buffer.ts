/**
 * Re-cuts audio that arrives in pieces of any size into blocks of one fixed size, so that what
 * a decoder sees (and so what it recognises) does not depend on how the client framed its audio.
 */
export class BlockBuffer<T extends Int16Array | Float32Array> {
  private pending: T;
  private filled = 0;

  constructor(
    private readonly size: number,
    private readonly make: (length: number) => T,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new Error(`block size must be a positive integer, got ${size}`);
    this.pending = make(size);
  }

  /** Samples waiting for a full block. */
  get buffered(): number {
    return this.filled;
  }

  /** Adds samples; returns the blocks they complete (each a new array the caller may keep). */
  push(samples: T): T[] {
    const blocks: T[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.size - this.filled, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take) as never, this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.size) {
        blocks.push(this.pending);
        this.pending = this.make(this.size);
        this.filled = 0;
      }
    }
    return blocks;
  }

  /** The samples of the unfinished block (possibly empty), and a fresh start. */
  drain(): T {
    const rest = this.pending.slice(0, this.filled) as T;
    this.filled = 0;
    return rest;
  }
}
