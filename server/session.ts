import { BoundedQueue } from './bounded-queue.js';
import type { Call, RuntimeCall } from './call.js';
import type { InferenceContext } from './context.js';
import {
  DeadlineExceededError,
  InferenceServerError,
  InvalidInputError,
  isInferenceServerError,
  OverloadedError,
} from './errors.js';
import type { ModelSlot } from './model-slot.js';
import { completeResponse, prepareRequest } from './prepare-request.js';
import type { ModelLease } from './registry.js';
import { SessionState } from './session-state.js';
import { untilAborted, untilAbortedPromise } from './stream-utils.js';
import type { InferenceRequest, InferenceResponse } from './types.js';
import type { DecodeLimits } from './wire/decode-budget.js';

/** A stream session (one client stream) or a sequence (Triton's: steps sent as unary calls). */
export type SessionKind = 'stream' | 'sequence';

/**
 * What a session yields: a response, or the failure of one request where the runtime answers
 * request by request (the session goes on; a streaming runtime's failure ends the session).
 */
export type SessionOutput =
  | { response: InferenceResponse; error?: undefined; requestId?: undefined }
  | { error: InferenceServerError; requestId: string; response?: undefined };

/** How a session is set up; the data plane fills it. */
export interface SessionInit {
  id: string;
  kind: SessionKind;
  lease: ModelLease;
  /** Fires when the session must stop from outside: the call's signal, or the server's shutdown. */
  parent: AbortSignal;
  /** The call the session serves (streams): told of each response. Sequences have none. */
  call?: Call;
  headers: Readonly<Record<string, string>>;
  /** The id of requests that carry none (the call's). */
  requestId: string;
  /** Requests that may wait for the runtime. */
  queueSize: number;
  /** Size limits of a request's tensors. */
  limits: DecodeLimits;
  /** No request in and no response out for this long ends the session; null: never. */
  idleTimeoutMs: number | null;
  /** Called once when the session is over, with the error that ended it, if any. */
  onEnd(error: InferenceServerError | undefined): void;
}

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

/** Responses of a streaming runtime between two turns of the event loop. */
const YIELD_EVERY = 32;

/**
 * One session in the core: requests in as the client sends them (through a bounded queue, so a
 * fast producer is slowed to the runtime's pace), responses out whenever the runtime has them. A
 * runtime with its own `predictStream` gets the whole session as one call; any other runtime is
 * called with `predict` once per request, in order, with the model's server-held state filled in
 * between (see `SessionState`). The session ends when its input ends and the runtime is done, or
 * when it is aborted (the client left, the deadline or idle timeout passed, the server shut down,
 * the model was unloaded): the runtime's signal fires and its iterator is closed.
 */
export class Session {
  readonly id: string;
  readonly kind: SessionKind;
  readonly slot: ModelSlot;
  /** The responses, for one consumer. */
  readonly responses: AsyncIterable<SessionOutput>;
  private readonly init: SessionInit;
  private readonly controller = new AbortController();
  private readonly queue: BoundedQueue<InferenceRequest>;
  private readonly onParentAbort: () => void;
  private idleTimer: NodeJS.Timeout | undefined;
  private sent = 0;
  private firstId: string | undefined;
  private over = false;
  private started = false;
  private readonly taps = new Set<BoundedQueue<InferenceResponse>>();

  constructor(init: SessionInit) {
    this.init = init;
    this.id = init.id;
    this.kind = init.kind;
    this.slot = init.lease.slot;
    this.queue = new BoundedQueue(init.queueSize);
    this.onParentAbort = () => this.abort(asServerError(init.parent.reason));
    if (init.parent.aborted) this.onParentAbort();
    else init.parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.responses = this.once(this.run());
    this.touch();
  }

  /** Fires when the session must stop; the reason is an `InferenceServerError`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Requests received so far. */
  get requestCount(): number {
    return this.sent;
  }

  /**
   * Validates a request body and queues it for the runtime, waiting while the queue is full.
   * An invalid request is a 400 and the session goes on; once the session is over, this throws
   * why it ended.
   */
  async send(body: unknown): Promise<void> {
    await this.queue.push(this.accept(body));
  }

  /**
   * Like `send`, but a full queue refuses the request (429) instead of waiting: for steps sent as
   * unary calls, which must not pile up. Returns the request as queued.
   */
  offer(body: unknown): InferenceRequest {
    const request = this.accept(body);
    if (!this.queue.offer(request)) {
      this.sent--;
      throw new OverloadedError(
        `session '${this.id}' of model '${this.slot.name}' already has ${this.queue.capacity} requests waiting (setting session_queue_size); retry later`,
      );
    }
    return request;
  }

  /** No more requests: the runtime finishes what it has, then the session ends. */
  end(): void {
    this.queue.end();
  }

  /**
   * A copy of every response from now on, for another client (a page that shows the transcripts
   * of audio another connection streams in). A subscriber that falls `capacity` responses behind
   * is dropped (its next read throws 429) rather than slowing the session; it ends when the
   * session does.
   */
  tap(capacity = 256): AsyncIterable<InferenceResponse> {
    const queue = new BoundedQueue<InferenceResponse>(capacity);
    if (this.over) queue.end();
    else this.taps.add(queue);
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = queue[Symbol.asyncIterator]();
        return {
          next: () => iterator.next(),
          return: async () => {
            this.taps.delete(queue);
            return iterator.return!();
          },
        };
      },
    };
  }

  /**
   * Stops the session now: the runtime's signal fires with `reason`. A session whose responses
   * nobody has started reading (a handshake that failed) is over at once.
   */
  abort(reason: InferenceServerError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.queue.fail(reason);
    if (!this.started) this.finish(reason);
  }

  private accept(body: unknown): InferenceRequest {
    if (this.controller.signal.aborted) throw asServerError(this.controller.signal.reason);
    if (this.queue.closed)
      throw new InvalidInputError(`session '${this.id}' has ended: it takes no more requests`);
    const request = prepareRequest(body, this.slot, this.init.requestId, this.init.headers, this.init.limits);
    this.firstId ??= request.id;
    this.sent++;
    this.touch();
    return request;
  }

  private async *run(): AsyncGenerator<SessionOutput> {
    let error: InferenceServerError | undefined;
    try {
      if (this.slot.capabilities.nativeStream) yield* this.streamed();
      else yield* this.stepwise();
      if (this.sent === 0 && this.kind === 'stream')
        throw new InvalidInputError('the stream carried no request');
    } catch (err) {
      error = this.normalise(err);
      throw error;
    } finally {
      this.finish(error);
    }
  }

  /** A runtime that streams by itself: the whole session is one `predictStream` call. */
  private async *streamed(): AsyncGenerator<SessionOutput> {
    const model = this.init.lease.model;
    const runtime = this.init.call?.runtimeCall('predictStream');
    const responses = model.predictStream(this.queue, this.context(undefined, runtime));
    let count = 0;
    let failure: unknown;
    try {
      for await (const response of untilAborted(responses, this.signal)) {
        this.touch();
        this.init.call?.responded();
        yield { response: this.share(completeResponse(response, this.slot, this.firstId)) };
        // A runtime that yields without ever waiting on I/O would keep the event loop in
        // microtasks: let I/O (a client closing, health checks, other sessions) in now and then.
        if (++count % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      runtime?.end(failure);
    }
  }

  /** Any other runtime: `predict` once per request, in order, with the server-held state. */
  private async *stepwise(): AsyncGenerator<SessionOutput> {
    const model = this.init.lease.model;
    const spec = this.slot.sessionSpec;
    const state = new SessionState(spec);
    for await (const request of untilAborted(this.queue, this.signal)) {
      const { request: step, hidden } = state.active
        ? state.prepare(request)
        : { request, hidden: NOTHING_HIDDEN };
      try {
        const run = (runtime?: RuntimeCall) =>
          untilAbortedPromise(model.predict(step, this.context(request.id, runtime)), this.signal);
        const raw = await (this.init.call ? this.init.call.runtime('predict', run) : run());
        const response = completeResponse(raw, this.slot, request.id);
        this.touch();
        this.init.call?.responded();
        yield { response: this.share(state.active ? state.update(response, hidden) : response) };
      } catch (err) {
        if (this.signal.aborted) throw this.signal.reason;
        yield { error: this.normalise(err), requestId: request.id ?? this.init.requestId };
      }
    }
  }

  /** Hands a response to the subscribers; one that cannot take it is dropped. */
  private share(response: InferenceResponse): InferenceResponse {
    for (const tap of this.taps) {
      if (tap.offer(response)) continue;
      this.taps.delete(tap);
      tap.fail(
        new OverloadedError(
          `a subscriber of session '${this.id}' fell ${tap.capacity} responses behind and was dropped`,
        ),
      );
    }
    return response;
  }

  private context(requestId: string | undefined, runtime?: RuntimeCall): InferenceContext {
    const context = {
      signal: this.signal,
      headers: this.init.headers,
      requestId: requestId ?? this.init.requestId,
    };
    return runtime?.traceparent ? { ...context, traceparent: runtime.traceparent } : context;
  }

  /** Restarts the idle clock: a request came in or a response went out. */
  private touch(): void {
    const { idleTimeoutMs } = this.init;
    if (idleTimeoutMs === null || this.over) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.abort(
        new DeadlineExceededError(
          `session '${this.id}' was idle for ${idleTimeoutMs / 1000} s (setting session_idle_timeout)`,
        ),
      );
    }, idleTimeoutMs);
    this.idleTimer.unref?.();
  }

  private finish(error: InferenceServerError | undefined): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.idleTimer);
    this.init.parent.removeEventListener('abort', this.onParentAbort);
    this.queue.fail(error ?? new InvalidInputError(`session '${this.id}' has ended`));
    for (const tap of this.taps) tap.end();
    this.taps.clear();
    this.init.lease.release();
    this.init.onEnd(error);
  }

  /**
   * The generator as an iterable for one consumer. A consumer that gives up before its first
   * `next()` never starts the generator, whose `finally` would then never run: the session is
   * finished here instead.
   */
  private once(generator: AsyncGenerator<SessionOutput>): AsyncIterable<SessionOutput> {
    const iterator: AsyncIterator<SessionOutput> = {
      next: () => {
        this.started = true;
        return generator.next();
      },
      return: async (value?: unknown) => {
        if (!this.started) this.finish(undefined);
        return generator.return(value as SessionOutput);
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  private normalise(err: unknown): InferenceServerError {
    if (isInferenceServerError(err)) return err;
    if (this.signal.aborted) return asServerError(this.signal.reason);
    return InferenceServerError.from(err, 'model error');
  }
}

function asServerError(reason: unknown): InferenceServerError {
  return InferenceServerError.from(reason, 'session aborted');
}

/**
 * Sends every request body of `source` into a session in order (each waits while the session's
 * queue is full, so the source is read at the runtime's pace), then ends the session's input. An
 * invalid request or a failing source aborts the session with that error: for transports where
 * one bad message ends the stream (MLServer's gRPC flavour).
 */
export async function feedSession(session: Session, source: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const body of source) await session.send(body);
    session.end();
  } catch (err) {
    session.abort(InferenceServerError.from(err));
  }
}
