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
}

/**
 * What observes calls (metrics, access logs, tracing): told once when a call starts, at each
 * response it sends, and once when it ends. Everything else is on the call itself: transport,
 * operation, model, id, headers, timings, responses, bytes out, the transport's status and the
 * error that ended it. One place in the core, so a new transport gets observation for free.
 */
export interface CallObserver {
  onCallStart?(call: Call): void;
  onCallResponse?(call: Call): void;
  onCallEnd?(call: Call): void;
}

/**
 * A cancel this close to the deadline is reported as the deadline: gRPC ends such calls with its
 * own timer, which may fire a little before ours on a busy machine.
 */
const DEADLINE_SLACK_MS = 100;

/**
 * One inference call as the core owns it, whatever the transport: its id (one precedence rule:
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
  /** When the call started (`performance.now()`), and its wall-clock time. */
  readonly startedAt = performance.now();
  readonly startedAtDate = Date.now();
  /** The model version it reached, once the core resolved it. */
  model: ModelRef | undefined;
  /** Unary inference or a session. */
  kind: 'unary' | 'session' | undefined;
  /** The error the call failed with, as the core or the adapter saw it. */
  error: InferenceServerError | undefined;
  /** Responses sent, and when the first and the last were (`performance.now()`). */
  responses = 0;
  firstResponseAt: number | undefined;
  lastResponseAt: number | undefined;
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
    this.lastResponseAt = now;
    this.observer?.onCallResponse?.(this);
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

  /** The runtime's view of one request of this call that carries an id of its own. */
  contextFor(id: string | undefined): InferenceContext {
    return id ? { signal: this.controller.signal, headers: this.headers, requestId: id } : this.context;
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
