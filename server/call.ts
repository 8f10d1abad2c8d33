import { randomUUID } from 'node:crypto';
import type { InferenceContext } from './context.js';
import type { ModelRef } from './model-ref.js';
import { CancelledError, DeadlineExceededError, type InferenceServerError } from './errors.js';

/** The transports a call can come from (labels for logs and metrics). */
export type Transport = 'rest' | 'sse' | 'grpc' | 'ws';

/** What an adapter knows about a call when it starts: all the core needs from the wire. */
export interface CallOrigin {
  transport: Transport;
  /** What was called, for logs and metrics: a route (`POST /v2/models/{m}/infer`) or an RPC. */
  operation?: string;
  /** Request headers or metadata, lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** The id the request body or message carries, if any. */
  bodyId?: unknown;
  /** When the call must be over (epoch milliseconds): a gRPC deadline. */
  deadline?: number;
  /**
   * When the request arrived (`performance.now()`), for an adapter that starts the call after
   * reading part of the request (an HTTP body); default: now.
   */
  startedAt?: number;
}

/** The runtime methods the core calls (a child span of the call each, when tracing). */
export type RuntimeMethod = 'predict' | 'predictStream';

/**
 * One call of the runtime for a call, as an observer follows it: the W3C `traceparent` that
 * identifies it (handed to the runtime in its context), and `end` when the runtime returned.
 */
export interface RuntimeCall {
  readonly traceparent: string | undefined;
  end(error?: unknown): void;
}

/**
 * What observes calls (metrics, access logs, tracing): told once when a call starts, at each
 * response it sends, and once when it ends. Everything else is on the call itself: transport,
 * operation, model, id, headers, timings, responses, bytes out, the transport's status and the
 * error that ended it. One place in the core, so a new transport gets observation for free.
 *
 * The optional events: a call's session opened (`onSessionOpen`: active-stream gauges), the
 * core calls the runtime (`onRuntimeCall`: a child span), and the execution stage's hooks —
 * `onCallQueued` when a request leaves the queue (`call.queued(seconds)`), `onBatch` once per
 * batch the stage runs (`size` requests of one model version, `observer.onBatch?.(ref, size)`).
 */
export interface CallObserver {
  onCallStart?(call: Call): void;
  onCallResponse?(call: Call): void;
  onCallEnd?(call: Call): void;
  onSessionOpen?(call: Call): void;
  onCallQueued?(call: Call, seconds: number): void;
  onBatch?(model: ModelRef, size: number): void;
  /** Returns how the observer follows this runtime call, or nothing when it does not. */
  onRuntimeCall?(call: Call, method: RuntimeMethod): RuntimeCall | undefined;
}

/** What a call hands the runtime when no observer follows runtime calls. */
const UNTRACED: RuntimeCall = { traceparent: undefined, end() {} };

/**
 * A cancel this close to the deadline is reported as the deadline: gRPC ends such calls with its
 * own timer, which may fire a little before ours on a busy machine.
 */
const DEADLINE_SLACK_MS = 100;

/**
 * One call as the core owns it, whatever the transport — an inference call (its `kind` is set
 * once the core resolves the model) or any other request an adapter reports for observation
 * (health, metadata, repository: `kind` stays undefined). Its id (one precedence rule:
 * the body's id, else the `x-request-id` header, else a new one), its headers, and the signal
 * the runtime sees, which fires when the client goes away, the deadline passes, the server's
 * shutdown grace ends or the core aborts the call (a model unloaded under it). Adapters create
 * calls through the data plane, report a client that left with `clientGone()`, and `end()` the
 * call when they are done with it.
 */
export class Call {
  readonly id: string;
  readonly transport: Transport;
  readonly operation: string;
  readonly headers: Readonly<Record<string, string>>;
  /** When the call started (`performance.now()`), and its wall-clock time (epoch ms). */
  readonly startedAt: number;
  readonly startedAtDate: number;
  /** The model version it reached, once the core resolved it. */
  model: ModelRef | undefined;
  /** Unary inference or a session. */
  kind: 'unary' | 'session' | undefined;
  /** The error the call failed with, as the core or the adapter saw it. */
  error: InferenceServerError | undefined;
  /** Responses sent, and when the first, the one before the last and the last were (`performance.now()`). */
  responses = 0;
  firstResponseAt: number | undefined;
  previousResponseAt: number | undefined;
  lastResponseAt: number | undefined;
  /** Whether the core opened a session for the call (it counts as an active stream until it ends). */
  sessionOpen = false;
  /** Seconds the call's request waited in the execution stage's queue, once it left it. */
  queueSeconds: number | undefined;
  /** Bytes the adapter wrote for the call (body, events, messages). */
  bytesOut = 0;
  /** The transport's own outcome: an HTTP status, a gRPC status code, a WebSocket close code. */
  status: number | undefined;
  private readonly controller = new AbortController();
  private readonly deadline: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly limits: NodeJS.Timeout[] = [];
  private ended = false;
  private readonly onShutdown: () => void;

  constructor(
    origin: CallOrigin,
    private readonly shutdown: AbortSignal,
    private readonly observer?: CallObserver,
  ) {
    const now = performance.now();
    this.startedAt = origin.startedAt ?? now;
    this.startedAtDate = Date.now() - (now - this.startedAt);
    this.transport = origin.transport;
    this.operation = origin.operation ?? origin.transport;
    this.headers = origin.headers;
    this.id = requestId(origin.bodyId, origin.headers);
    this.deadline =
      origin.deadline !== undefined && Number.isFinite(origin.deadline) ? origin.deadline : undefined;
    this.onShutdown = () => this.abort(shutdown.reason as InferenceServerError);
    if (shutdown.aborted) this.onShutdown();
    else shutdown.addEventListener('abort', this.onShutdown, { once: true });
    if (this.deadline !== undefined) {
      this.timer = setTimeout(
        () => this.abort(new DeadlineExceededError('deadline exceeded')),
        Math.max(0, this.deadline - Date.now()),
      );
    }
    observer?.onCallStart?.(this);
  }

  /** Aborts the call with `reason` unless it is over within `ms` (a server-side time limit). */
  limit(ms: number, reason: InferenceServerError): void {
    if (this.ended || this.controller.signal.aborted) return;
    const timer = setTimeout(() => this.abort(reason), ms);
    this.limits.push(timer);
  }

  /** A response went out (the core calls this once per response it hands the adapter). */
  responded(): void {
    const now = performance.now();
    this.responses++;
    this.firstResponseAt ??= now;
    this.previousResponseAt = this.lastResponseAt;
    this.lastResponseAt = now;
    this.observer?.onCallResponse?.(this);
  }

  /** The core opened the call's session (a stream, a WebSocket, a follower): observers count it active. */
  sessionOpened(): void {
    this.sessionOpen = true;
    this.observer?.onSessionOpen?.(this);
  }

  /** The execution stage took the call's request off its queue after `seconds` of waiting. */
  queued(seconds: number): void {
    this.queueSeconds = seconds;
    this.observer?.onCallQueued?.(this, seconds);
  }

  /**
   * The core is about to call the runtime for this call: observers may follow it (tracing makes
   * it a child span). Hand `traceparent` to the runtime's context; `end` when the runtime returned.
   */
  runtimeCall(method: RuntimeMethod): RuntimeCall {
    return this.observer?.onRuntimeCall?.(this, method) ?? UNTRACED;
  }

  /**
   * Runs one runtime call for this call, followed as `runtimeCall` says: `run` gets the
   * runtime call (for `contextFor`), which ends when the promise settles.
   */
  runtime<T>(method: RuntimeMethod, run: (runtime: RuntimeCall) => Promise<T>): Promise<T> {
    const runtime = this.runtimeCall(method);
    if (runtime === UNTRACED) return run(runtime);
    return run(runtime).then(
      (result) => {
        runtime.end();
        return result;
      },
      (err: unknown) => {
        runtime.end(err);
        throw err;
      },
    );
  }

  /** Records the error the call failed with (the first one counts). */
  failed(error: InferenceServerError): void {
    this.error ??= error;
  }

  /** Fires when the call must stop; its reason is an `InferenceServerError`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The runtime's view of the call. */
  get context(): InferenceContext {
    return { signal: this.controller.signal, headers: this.headers, requestId: this.id };
  }

  /**
   * The runtime's view of one request of this call that carries an id of its own, and of the
   * runtime call it is part of (its `traceparent`, when traced).
   */
  contextFor(id: string | undefined, runtime?: RuntimeCall): InferenceContext {
    const context = { signal: this.controller.signal, headers: this.headers, requestId: id || this.id };
    return runtime?.traceparent ? { ...context, traceparent: runtime.traceparent } : context;
  }

  /** Stops the call: the runtime's signal fires with `reason`. Once; later calls do nothing. */
  abort(reason: InferenceServerError): void {
    if (!this.controller.signal.aborted) {
      this.controller.abort(reason);
      this.failed(reason);
    }
    this.release();
  }

  /**
   * The client went away (disconnect, cancel). A call whose deadline has just passed is reported
   * as a deadline: gRPC ends such calls itself, which reaches the adapter as a cancel.
   */
  clientGone(): void {
    if (this.ended) return;
    const lateness = this.deadline === undefined ? -1 : Date.now() - (this.deadline - DEADLINE_SLACK_MS);
    this.abort(
      lateness >= 0
        ? new DeadlineExceededError('deadline exceeded')
        : new CancelledError('client disconnected'),
    );
  }

  /**
   * The adapter is done with the call (its response is written, or the client is gone): timers
   * and listeners are released, nothing is aborted, observers see the call's outcome. Once.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    this.observer?.onCallEnd?.(this);
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const timer of this.limits.splice(0)) clearTimeout(timer);
    this.shutdown.removeEventListener('abort', this.onShutdown);
  }
}

/** The one request-id rule: the body's id, else the `x-request-id` header, else a new UUID. */
export function requestId(bodyId: unknown, headers: Readonly<Record<string, string>>): string {
  if (typeof bodyId === 'string' && bodyId !== '') return bodyId;
  const header = headers['x-request-id'];
  return header ? header : randomUUID();
}
