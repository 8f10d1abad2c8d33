import type { InferenceContext } from '../context.js';
import type { MLModel } from '../model.js';
import { InternalError } from '../errors.js';
import type { InferenceRequest, InferenceResponse } from '../types.js';
import { type FromWorker, RESPONSE_WINDOW, type ToWorker, type WireContext } from './protocol.js';
import { RequestInbox } from './request-inbox.js';
import { type Packed, packResponse, unpackRequest } from './tensor-transfer.js';
import { fromWireError, toWireError } from './wire-error.js';

/** Sends a message to the server thread. */
export type PostToServer = (message: FromWorker, transfer?: ArrayBuffer[]) => void;

/** A call the worker is running: its signal, and for a stream its requests and flow control. */
interface RunningCall {
  controller: AbortController;
  inbox?: RequestInbox;
  /** Responses the server thread can still take. */
  credit: number;
  closed: boolean;
  iterator?: AsyncIterator<InferenceResponse>;
  wake?: () => void;
}

/**
 * The worker's side of the boundary: runs the server thread's calls on the runtime loaded in
 * this worker. Unary calls are answered once; a stream call feeds the runtime's `predictStream`
 * from an inbox and sends each response while the server thread has room for it (its credit),
 * so a slow client pauses the runtime here instead of piling responses up in memory.
 */
export class WorkerHost {
  private readonly calls = new Map<number, RunningCall>();

  constructor(
    private readonly model: MLModel,
    private readonly post: PostToServer,
  ) {}

  /** Handles one message from the server thread. */
  handle(message: ToWorker): void {
    switch (message.t) {
      case 'predict':
        void this.predict(message.id, message.request, message.context);
        return;
      case 'abort': {
        const call = this.calls.get(message.id);
        if (call && !call.controller.signal.aborted) call.controller.abort(fromWireError(message.reason));
        return;
      }
      case 'stream':
        void this.stream(message.id, message.context);
        return;
      case 'stream-request':
        this.calls.get(message.id)?.inbox?.push(unpackRequest(message.request));
        return;
      case 'stream-end':
        this.calls.get(message.id)?.inbox?.end(message.error && fromWireError(message.error));
        return;
      case 'stream-credit': {
        const call = this.calls.get(message.id);
        if (!call) return;
        call.credit += message.n;
        wake(call);
        return;
      }
      case 'stream-close': {
        const call = this.calls.get(message.id);
        if (!call || call.closed) return;
        call.closed = true;
        wake(call);
        // As the server thread does with a runtime it stops reading: ask, never wait.
        void Promise.resolve(call.iterator?.return?.()).catch(() => undefined);
        return;
      }
      case 'unload':
        void this.unload();
        return;
    }
  }

  private async predict(id: number, request: Packed<InferenceRequest>, context: WireContext): Promise<void> {
    const call: RunningCall = { controller: new AbortController(), credit: 0, closed: false };
    this.calls.set(id, call);
    try {
      const response = await this.model.predict(
        unpackRequest(request),
        contextOf(context, call.controller.signal),
      );
      this.send(id, 'result', response);
    } catch (err) {
      this.post({ t: 'error', id, error: toWireError(err) });
    } finally {
      this.calls.delete(id);
    }
  }

  private async stream(id: number, context: WireContext): Promise<void> {
    const call: RunningCall = {
      controller: new AbortController(),
      inbox: new RequestInbox(() => this.post({ t: 'stream-pull', id, n: 1 })),
      credit: RESPONSE_WINDOW,
      closed: false,
    };
    this.calls.set(id, call);
    try {
      const responses = this.model.predictStream(call.inbox!, contextOf(context, call.controller.signal));
      const iterator = responses[Symbol.asyncIterator]();
      call.iterator = iterator;
      while (!call.closed) {
        while (call.credit <= 0 && !call.closed) await new Promise<void>((resolve) => (call.wake = resolve));
        if (call.closed) break;
        const next = await iterator.next();
        if (next.done || call.closed) break;
        call.credit--;
        if (!this.send(id, 'stream-response', next.value)) {
          call.closed = true;
          void Promise.resolve(iterator.return?.()).catch(() => undefined);
          return;
        }
      }
      this.post({ t: 'stream-done', id });
    } catch (err) {
      this.post({ t: 'stream-error', id, error: toWireError(err) });
    } finally {
      this.calls.delete(id);
    }
  }

  private async unload(): Promise<void> {
    try {
      await this.model.unload();
      this.post({ t: 'unloaded' });
    } catch (err) {
      this.post({ t: 'unloaded', error: toWireError(err) });
    }
  }

  /**
   * Posts a response; one that cannot be cloned (a function in it, say) fails its call with a
   * 500 saying so. Returns whether it was sent.
   */
  private send(id: number, kind: 'result' | 'stream-response', response: InferenceResponse): boolean {
    try {
      const { packed, transfer } = packResponse(response);
      this.post({ t: kind, id, response: packed }, transfer);
      return true;
    } catch (err) {
      const message = `model '${this.model.name}' returned a response that cannot cross from its worker thread to the server: ${(err as Error).message}`;
      const error = toWireError(new InternalError(message));
      this.post(kind === 'result' ? { t: 'error', id, error } : { t: 'stream-error', id, error });
      return false;
    }
  }
}

function contextOf(wire: WireContext, signal: AbortSignal): InferenceContext {
  const context = { signal, headers: wire.headers, requestId: wire.requestId };
  return wire.traceparent ? { ...context, traceparent: wire.traceparent } : context;
}

function wake(call: RunningCall): void {
  const waiter = call.wake;
  call.wake = undefined;
  waiter?.();
}
