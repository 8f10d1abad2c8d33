import type { InternalError } from '../errors.js';
import type { InferenceRequest, InferenceResponse } from '../types.js';
import { type FromWorker, REQUEST_WINDOW, RESPONSE_WINDOW } from './protocol.js';
import { packRequest, unpackResponse } from './tensor-transfer.js';
import type { WorkerLink } from './worker-link.js';
import { fromWireError, toWireError } from './wire-error.js';

/**
 * The server thread's side of one `predictStream` call running on a worker. Requests go to the
 * worker only as the runtime takes them (at most `REQUEST_WINDOW` ahead), so the caller's own
 * bounded queue fills and slows the client; responses come back at most `RESPONSE_WINDOW` ahead
 * of the reader, so a slow client pauses the runtime in its worker. Both ways, memory per stream
 * is bounded.
 */
export class WorkerStream {
  private readonly responses: InferenceResponse[] = [];
  private failure: { error: Error } | undefined;
  private done = false;
  /** The worker no longer runs the call (it ended, failed, died, or we closed it). */
  private over = false;
  private requestCredit = REQUEST_WINDOW;
  private consumed = 0;
  private readerWaiter: (() => void) | undefined;
  private pumpWaiter: (() => void) | undefined;

  constructor(
    private readonly link: WorkerLink,
    private readonly id: number,
    /** Describes the worker's death for the error the reader gets. */
    private readonly crashError: (how: string) => InternalError,
    /** Called once when the call is over on the worker's side. */
    private readonly onOver: () => void,
  ) {
    link.register(id, {
      onMessage: (message) => this.onMessage(message),
      onCrash: (how) => this.onCrash(how),
    });
  }

  /** Sends the requests of `source` to the worker as the runtime takes them; then says they ended. */
  async feed(source: AsyncIterable<InferenceRequest>): Promise<void> {
    const iterator = source[Symbol.asyncIterator]();
    let finished = false;
    try {
      while (!this.over) {
        while (this.requestCredit <= 0 && !this.over) await new Promise<void>((r) => (this.pumpWaiter = r));
        if (this.over) break;
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          this.post({ t: 'stream-end', id: this.id });
          return;
        }
        if (this.over) break;
        this.requestCredit--;
        const { packed, transfer } = packRequest(next.value);
        this.link.post({ t: 'stream-request', id: this.id, request: packed }, transfer);
      }
    } catch (err) {
      finished = true;
      this.post({ t: 'stream-end', id: this.id, error: toWireError(err) });
    } finally {
      if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }

  /** The next response; throws what ended the stream. */
  async next(): Promise<IteratorResult<InferenceResponse, undefined>> {
    while (true) {
      const response = this.responses.shift();
      if (response !== undefined) {
        this.credit();
        return { value: response, done: false };
      }
      if (this.failure) throw this.failure.error;
      if (this.done) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.readerWaiter = resolve));
    }
  }

  /** Tells the worker its signal fired. */
  abort(reason: unknown): void {
    this.post({ t: 'abort', id: this.id, reason: toWireError(reason) });
  }

  /** The reader stopped: the worker closes the runtime's iterator (unless it already ended). */
  close(): void {
    if (this.over) return;
    this.post({ t: 'stream-close', id: this.id });
    this.finish();
  }

  private onMessage(message: FromWorker): void {
    switch (message.t) {
      case 'stream-pull':
        this.requestCredit += message.n;
        this.wakePump();
        return;
      case 'stream-response':
        this.responses.push(unpackResponse(message.response));
        this.wakeReader();
        return;
      case 'stream-done':
        this.done = true;
        this.finish();
        return;
      case 'stream-error':
        this.failure = { error: fromWireError(message.error) };
        this.finish();
        return;
    }
  }

  private onCrash(how: string): void {
    this.failure = { error: this.crashError(how) };
    this.finish();
  }

  /** Grants the worker more responses once the reader has taken half a window. */
  private credit(): void {
    if (this.over) return;
    this.consumed++;
    if (this.consumed < RESPONSE_WINDOW / 2) return;
    this.post({ t: 'stream-credit', id: this.id, n: this.consumed });
    this.consumed = 0;
  }

  private post(message: Parameters<WorkerLink['post']>[0]): void {
    if (this.link.isDead) return;
    try {
      this.link.post(message);
    } catch {
      // the worker is ending: its death is reported by the link
    }
  }

  private wakeReader(): void {
    const waiter = this.readerWaiter;
    this.readerWaiter = undefined;
    waiter?.();
  }

  private wakePump(): void {
    const waiter = this.pumpWaiter;
    this.pumpWaiter = undefined;
    waiter?.();
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.link.release(this.id);
    this.wakeReader();
    this.wakePump();
    this.onOver();
  }
}
