import { once } from 'node:events';
import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';

/**
 * Writes a stream's responses with backpressure: when grpc-js's buffer is full, the next write
 * waits for `drain` (or for the signal). The first call may carry initial metadata.
 */
export class StreamWriter<T> {
  private metadataSent = false;

  constructor(
    private readonly call: ServerDuplexStream<unknown, T>,
    private readonly signal: AbortSignal,
  ) {}

  /** Sends initial metadata if none was sent yet (only possible before the first message). */
  sendMetadata(metadata: Metadata | undefined): void {
    if (this.metadataSent || !metadata) return;
    this.metadataSent = true;
    this.call.sendMetadata(metadata);
  }

  /** Writes one message; resolves when the call can take more. */
  async write(message: T): Promise<void> {
    this.metadataSent = true;
    if (this.call.destroyed || this.call.writableEnded) return;
    if (!this.call.write(message) && !this.signal.aborted) {
      await once(this.call, 'drain', { signal: this.signal }).catch(() => undefined);
    }
  }
}
