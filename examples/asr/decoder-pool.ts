import { OverloadedError } from 'mlserver-ts';

/** Something with an async `free`, such as a PocketSphinx `Decoder`. */
export interface Freeable {
  free(): Promise<void>;
}

/** How many decoders a pool keeps ready and how many streams it serves at once. */
export interface PoolLimits {
  /** Fresh decoders kept ready so that a new stream does not wait for one to be created. */
  warm: number;
  /** Streams served at once; one more is refused with `OverloadedError` (429 / RESOURCE_EXHAUSTED). */
  maxSessions: number;
}

/**
 * Decoders for streams: each stream gets a fresh one and frees it when it ends.
 *
 * Decoders are never reused, because a PocketSphinx decoder carries state from one stream into
 * the next (its cepstral-mean estimate and Gaussian-selection history): a reused decoder gives
 * different words and times for the same audio than a fresh one, so results would depend on
 * which stream ran before. Creating one costs about 0.3 s of CPU, so the pool creates them ahead
 * of demand, on the thread pool, and keeps `warm` of them ready.
 */
export class DecoderPool<D extends Freeable> {
  private readonly ready: D[] = [];
  private creating = 0;
  private inUse = 0;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly create: () => Promise<D>,
    private readonly limits: PoolLimits,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Streams being served now. */
  get active(): number {
    return this.inUse;
  }

  /** Creates the warm decoders (at least one, so that a bad configuration fails the load). */
  async start(): Promise<void> {
    const first = await this.create();
    if (this.limits.warm > 0) this.ready.push(first);
    else await first.free();
    this.refill();
  }

  /** A fresh decoder for one stream; give it back with `release`. */
  async acquire(signal?: AbortSignal): Promise<D> {
    if (this.closed) throw new Error('the decoder pool is closed');
    if (this.inUse >= this.limits.maxSessions) {
      throw new OverloadedError(
        `all ${this.limits.maxSessions} recogniser sessions are in use (parameters.extra.max_sessions)`,
      );
    }
    this.inUse++;
    let decoder = this.ready.pop();
    try {
      decoder ??= await this.create();
    } catch (err) {
      this.inUse--;
      throw err;
    } finally {
      this.refill();
    }
    if (signal?.aborted) {
      this.release(decoder);
      throw signal.reason;
    }
    return decoder;
  }

  /** Frees a stream's decoder (in the background) and makes a fresh one if the warm set is short. */
  release(decoder: D): void {
    this.inUse--;
    this.track(decoder.free());
    this.refill();
  }

  /** Frees the ready decoders and waits for background work; decoders in use are freed by `release`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const decoder of this.ready.splice(0)) this.track(decoder.free());
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.creating < this.limits.warm) {
      this.creating++;
      this.track(
        this.create().then(
          (decoder) => {
            this.creating--;
            if (this.closed) this.track(decoder.free());
            else this.ready.push(decoder);
          },
          (err: unknown) => {
            this.creating--;
            throw err;
          },
        ),
      );
    }
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch(this.onError).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
