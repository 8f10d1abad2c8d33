import { Admission } from './admission.js';
import { frameRequest } from './binary-frame.js';
import { ByteBudget } from './byte-budget.js';
import { Call, type CallObserver, type CallOrigin } from './call.js';
import {
  CancelledError,
  DeadlineExceededError,
  InferenceServerError,
  InvalidInputError,
  isInferenceServerError,
  ModelNotReadyError,
  NotFoundError,
  UnavailableError,
} from './errors.js';
import type { ExecutionStage } from './execution/execution-stage.js';
import { stageForSlot } from './execution/slot-stage.js';
import type { ModelRef } from './model-ref.js';
import type { ModelSlot } from './model-slot.js';
import { completeResponse, prepareRequest } from './prepare-request.js';
import type { ModelLease, ModelRegistry } from './registry.js';
import { type SequenceParams, sequenceParams } from './sequence-params.js';
import { SequenceRun } from './sequences.js';
import { Session } from './session.js';
import { type SessionEntry, SessionTable } from './session-table.js';
import type { ServerSettings } from './settings/server-settings.js';
import { untilAborted, untilAbortedPromise } from './stream-utils.js';
import { jsonLimits } from './settings/json-limits.js';
import type { DecodeLimits } from './wire/decode-budget.js';
import type { InferenceRequest, InferenceResponse, ModelMetadata, ServerMetadata } from './types.js';

/** Observes inference calls (metrics). */
export interface InferenceObserver {
  /** Called when a call ends; `error` is set when it failed. */
  onInferenceDone(
    model: string,
    kind: 'infer' | 'stream',
    seconds: number,
    error?: InferenceServerError,
  ): void;
  /** Optional: a call that reached a ready model version ended (never called for unknown models). */
  onInferenceTimed?(timing: InferenceTiming): void;
}

/**
 * Where the time of a call that reached a model version went, as `performance.now()` marks: the
 * call started, the model was leased, the request was validated (`prepared`), the runtime
 * finished (`computed`), the call ended. Stages a failed call never reached are absent.
 */
export interface InferenceTiming {
  slot: ModelSlot;
  kind: 'infer' | 'stream';
  start: number;
  leased: number;
  prepared?: number;
  computed?: number;
  end: number;
  error?: InferenceServerError;
}

type Marks = Omit<InferenceTiming, 'slot' | 'kind' | 'end' | 'error'>;

/** Protocol extensions every mlserver-ts server offers. */
export const BUILTIN_EXTENSIONS = [
  'binary_tensor_data',
  'model_repository',
  'model_configuration',
  'statistics',
] as const;

export type { ModelRef } from './model-ref.js';

/**
 * The transport-agnostic core: health, metadata, unary and streaming inference. REST, gRPC and
 * any other transport translate their wire format into these calls and back.
 */
export class DataPlane {
  private shuttingDown = false;
  private readinessHolds = 0;
  private readonly admission: Admission;

  private readonly sessions: SessionTable;
  private readonly bytes: ByteBudget;
  private readonly limits: DecodeLimits;
  /** The execution stage of each loaded model version (a reload is a new slot, a new stage). */
  private readonly stages = new WeakMap<ModelSlot, ExecutionStage>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: ServerSettings,
    private readonly observer?: InferenceObserver,
    /** Fires when shutdown's grace period ends: every call and session still running is aborted. */
    private readonly shutdown: AbortSignal = new AbortController().signal,
    /** Sees every call start, respond and end (metrics, access logs, tracing). */
    private readonly callObserver?: CallObserver,
  ) {
    this.admission = new Admission(settings.max_inflight_requests);
    this.sessions = new SessionTable(settings.max_sessions);
    this.bytes = new ByteBudget(settings.max_inflight_bytes);
    this.limits = jsonLimits(settings);
  }

  /**
   * Holds `bytes` of a request (a body being read) against `max_inflight_bytes`; throws 429 when
   * the server holds too much. Release when the request is over.
   */
  reserveBytes(bytes: number): { grow(more: number): void; release(): void } {
    return this.bytes.reserve(bytes);
  }

  /** Bytes of requests held now (see `reserveBytes`). */
  get heldBytes(): number {
    return this.bytes.bytes;
  }

  /** Sessions open now (streams and sequences). */
  get openSessions(): number {
    return this.sessions.size;
  }

  /**
   * Stops taking new inference calls (shutdown); running calls and client streams go on.
   * Readiness turns false. Open sequences end now: no step of theirs can come any more.
   */
  beginShutdown(): void {
    this.shuttingDown = true;
    this.sessions.abortSequences(new UnavailableError('the server is shutting down'));
  }

  /** Resolves when no client stream session (SSE, gRPC, WebSocket) is open: shutdown waits for it. */
  whenStreamsIdle(): Promise<void> {
    return this.sessions.streamsIdle();
  }

  /** The server process is up. */
  live(): boolean {
    return true;
  }

  /**
   * Readiness stays false until `loading` settles: the start-up scan reads the disk before it
   * registers any model, and `ready_without_models` must not answer true in between.
   */
  holdReadinessUntil(loading: Promise<unknown>): void {
    this.readinessHolds++;
    const release = () => {
      this.readinessHolds--;
    };
    loading.then(release, release);
  }

  /**
   * The server is ready when at least one model is, none is loading, and (unless
   * `ready_requires_all_models` is off) none failed to load. With no model registered at all,
   * it is ready only under `ready_without_models` (ModelMesh, Seldon Core 2).
   */
  ready(): boolean {
    if (this.shuttingDown || this.readinessHolds > 0) return false;
    const slots = this.registry.slots();
    if (slots.length === 0) return this.settings.ready_without_models;
    if (slots.some((s) => s.state === 'LOADING')) return false;
    const ready = slots.filter((s) => s.ready).length;
    if (ready === 0) return false;
    return this.settings.ready_requires_all_models ? ready === slots.length : true;
  }

  /** Whether one model version is ready (unknown models are 404). */
  modelReady(ref: ModelRef): boolean {
    return this.registry.get(ref.name, ref.version).ready;
  }

  /**
   * Whether a ready model streams by itself (many responses per request possible) rather than
   * answering each request once; Triton's stream flavour calls the latter "not decoupled".
   */
  modelStreams(ref: ModelRef): boolean {
    const slot = this.registry.get(ref.name, ref.version);
    return slot.model !== undefined && slot.capabilities.nativeStream;
  }

  /** Server name, version and protocol extensions (the built-in ones, then the configured ones). */
  serverMetadata(): ServerMetadata {
    const { server_name, server_version, extensions } = this.settings;
    return {
      name: server_name,
      version: server_version,
      extensions: [...new Set([...BUILTIN_EXTENSIONS, ...extensions])],
    };
  }

  /** A model's metadata: the runtime's once loaded, else what its settings declare. */
  async modelMetadata(ref: ModelRef): Promise<ModelMetadata> {
    const slot = this.registry.get(ref.name, ref.version);
    if (slot.model && slot.state === 'READY') return slot.model.metadata();
    if (slot.invalid) throw new ModelNotReadyError(`model '${ref.name}' is not ready: ${slot.reason}`);
    const { name, versions, platform, inputs, outputs } = slot.settings;
    return { name, versions: [...versions], platform, inputs: [...inputs], outputs: [...outputs] };
  }

  /**
   * Starts a call from what an adapter knows (transport, headers, the body's id, a deadline).
   * The adapter reports a client that left with `call.clientGone()` and ends it with `call.end()`.
   */
  call(origin: CallOrigin): Call {
    return new Call(origin, this.shutdown, this.callObserver);
  }

  /**
   * One request, one response. A request with Triton's sequence parameters is one step of its
   * sequence (see `sequenceStep`).
   */
  async infer(ref: ModelRef, body: unknown, call: Call): Promise<InferenceResponse> {
    const started = performance.now();
    call.model = ref;
    call.kind = 'unary';
    let lease: ModelLease | undefined;
    let admitted: (() => void) | undefined;
    try {
      this.assertAccepting();
      admitted = this.admission.admit();
      const sequence = sequenceParams(body);
      if (sequence) return await this.sequenceStep(ref, body, sequence, call, started);
      lease = this.registry.lease(ref.name, ref.version, (reason) => call.abort(reason));
      this.limitTime(call, lease.slot);
      const marks: Marks = { start: started, leased: performance.now() };
      const request = prepareRequest(body, lease.slot, call.id, call.headers, this.limits);
      marks.prepared = performance.now();
      const stage = this.stageOf(lease.slot);
      const response = await untilAbortedPromise(
        stage.predict(request, call.contextFor(request.id), call),
        call.signal,
      );
      marks.computed = performance.now();
      const result = completeResponse(response, lease.slot, request.id);
      this.observer?.onInferenceDone(ref.name, 'infer', seconds(started));
      this.timed(lease.slot, 'infer', marks);
      call.responded();
      return result;
    } catch (err) {
      const error = normalise(err, call.signal);
      call.failed(error);
      this.observer?.onInferenceDone(ref.name, 'infer', seconds(started), error);
      if (lease) this.timed(lease.slot, 'infer', { start: started, leased: started }, error);
      throw error;
    } finally {
      lease?.release();
      admitted?.();
    }
  }

  /**
   * Opens a session on a model for one call: requests go in with `send` (or `frameRequest` for
   * binary frames), responses come out of `responses`, `end` says no more requests come. Throws
   * at once (so transports can still answer with a status) when the server is shutting down, the
   * model is unknown or not ready, or a session limit is reached. With `id`, the session can be
   * found by that id while it is open.
   */
  openSession(ref: ModelRef, call: Call, options: { id?: string } = {}): Session {
    call.model = ref;
    call.kind = 'session';
    this.assertAccepting();
    const started = performance.now();
    const admitted = this.admission.admit();
    let lease: ModelLease | undefined;
    let giveBack: (() => void) | undefined;
    try {
      let session: Session | undefined;
      let untrack: (() => void) | undefined;
      lease = this.registry.lease(ref.name, ref.version, (reason) => session?.abort(reason));
      const slot = lease.slot;
      const id = options.id ?? call.id;
      if (options.id !== undefined && this.sessions.get(slot, id))
        throw new InvalidInputError(`model '${slot.name}' already has an open session '${id}'`);
      giveBack = this.sessions.reserve(slot);
      const release = giveBack;
      session = new Session({
        id,
        kind: 'stream',
        lease,
        stage: this.stageOf(slot),
        parent: call.signal,
        call,
        headers: call.headers,
        requestId: call.id,
        queueSize: this.settings.session_queue_size,
        limits: this.limits,
        idleTimeoutMs: idleMs(this.settings.session_idle_timeout),
        onEnd: (error) => {
          if (error) call.failed(error);
          release();
          untrack?.();
          admitted();
          if (options.id !== undefined) this.sessions.delete(slot, id, opened);
          this.observer?.onInferenceDone(ref.name, 'stream', seconds(started), error);
          const end = performance.now();
          this.timed(
            slot,
            'stream',
            { start: started, leased: started, prepared: started, computed: end },
            error,
          );
        },
      });
      const opened = session;
      untrack = this.sessions.trackStream(session);
      if (options.id !== undefined) this.sessions.add(slot, { session });
      call.sessionOpened();
      return session;
    } catch (err) {
      giveBack?.();
      lease?.release();
      admitted();
      const error = normalise(err, call.signal);
      call.failed(error);
      throw error;
    }
  }

  /**
   * The responses of an open session of a model, as another client sees them (see
   * `Session.tap`): a session opened with an id (WebSocket `?session_id=`) or a sequence. An id
   * that is not open is a 404.
   */
  subscribe(ref: ModelRef, sessionId: string, call: Call): AsyncIterable<InferenceResponse> {
    call.model = ref;
    call.kind = 'session';
    const slot = this.registry.get(ref.name, ref.version);
    const entry = this.sessions.get(slot, sessionId);
    if (!entry) throw new NotFoundError(`model '${ref.name}' has no open session '${sessionId}'`);
    call.sessionOpened();
    return counted(untilAborted(entry.session.tap(), call.signal), call);
  }

  /** A request made of one binary frame for a session's model (see `frameRequest`). */
  frameRequest(session: Session, bytes: Uint8Array): InferenceRequest {
    return frameRequest(session.slot.sessionSpec.binaryInput, session.slot.name, bytes);
  }

  /**
   * One step of a Triton sequence: `sequence_start` opens it (restarting one of the same id), a
   * step without it continues an open sequence (an unknown or ended one is a 400),
   * `sequence_end` closes it after this step. A sequence is a session fed by these calls: its
   * steps run in order with the model's server-held state, and it ends when closed, after
   * `session_idle_timeout`, or at shutdown.
   */
  private async sequenceStep(
    ref: ModelRef,
    body: unknown,
    params: SequenceParams,
    call: Call,
    started: number,
  ): Promise<InferenceResponse> {
    const slot = this.registry.get(ref.name, ref.version);
    this.limitTime(call, slot);
    let entry = this.sessions.get(slot, params.id);
    if (params.start) {
      entry?.session.abort(new CancelledError(`sequence '${params.id}' was restarted (sequence_start)`));
      entry = this.openSequence(ref, params.id);
    } else if (!entry?.sequence) {
      throw new InvalidInputError(
        `model '${ref.name}' has no open sequence '${params.id}': start it with sequence_start: true (a sequence ends with sequence_end, or after session_idle_timeout without requests)`,
      );
    }
    const withId = { ...(body as object), id: (body as { id?: unknown }).id ?? call.id };
    const response = await entry.sequence!.step(withId, params, call);
    this.observer?.onInferenceDone(ref.name, 'infer', seconds(started));
    return response;
  }

  private openSequence(ref: ModelRef, id: string): SessionEntry {
    const lease = this.registry.lease(ref.name, ref.version);
    let giveBack: (() => void) | undefined;
    try {
      giveBack = this.sessions.reserve(lease.slot);
      const release = giveBack;
      const slot = lease.slot;
      const session: Session = new Session({
        id,
        kind: 'sequence',
        lease,
        stage: this.stageOf(lease.slot),
        parent: this.shutdown,
        headers: {},
        requestId: id,
        queueSize: this.settings.session_queue_size,
        limits: this.limits,
        idleTimeoutMs: idleMs(this.settings.session_idle_timeout),
        onEnd: () => {
          release();
          this.sessions.delete(slot, id, session);
        },
      });
      const entry: SessionEntry = { session, sequence: new SequenceRun(session) };
      this.sessions.add(slot, entry);
      return entry;
    } catch (err) {
      giveBack?.();
      lease.release();
      throw err;
    }
  }

  /**
   * What a loaded model version's execution stage holds now: requests waiting (for a batch or a
   * free model call) and model calls running. Zeros for a model that has not run yet.
   */
  executionLoad(ref: ModelRef): { waiting: number; active: number } {
    const stage = this.stages.get(this.registry.get(ref.name, ref.version));
    return { waiting: stage?.waiting ?? 0, active: stage?.active ?? 0 };
  }

  /** The execution stage every `predict` of a loaded model version goes through. */
  private stageOf(slot: ModelSlot): ExecutionStage {
    let stage = this.stages.get(slot);
    if (!stage) {
      stage = stageForSlot(slot, this.settings, this.callObserver);
      this.stages.set(slot, stage);
    }
    return stage;
  }

  /** Applies the model's (else the server's) `inference_timeout` to a unary call. */
  private limitTime(call: Call, slot: ModelSlot): void {
    const seconds = slot.settings.inference_timeout ?? this.settings.inference_timeout;
    if (!seconds) return;
    call.limit(
      seconds * 1000,
      new DeadlineExceededError(
        `model '${slot.name}' did not answer within ${seconds} s (setting inference_timeout)`,
      ),
    );
  }

  private timed(slot: ModelSlot, kind: 'infer' | 'stream', marks: Marks, error?: InferenceServerError): void {
    this.observer?.onInferenceTimed?.({ slot, kind, ...marks, end: performance.now(), error });
  }

  private assertAccepting(): void {
    if (this.shuttingDown) throw new UnavailableError('server is shutting down');
  }
}

/** Maps anything thrown to the error hierarchy; an aborted call reports why it was aborted. */
function normalise(err: unknown, signal: AbortSignal): InferenceServerError {
  if (isInferenceServerError(err)) return err;
  if (signal.aborted && isInferenceServerError(signal.reason)) return signal.reason;
  return InferenceServerError.from(err, 'model error');
}

/** A follower's responses, each recorded on its call (stream metrics, access log, tracing). */
async function* counted<T>(responses: AsyncIterable<T>, call: Call): AsyncGenerator<T> {
  for await (const response of responses) {
    call.responded();
    yield response;
  }
}

/** `session_idle_timeout` in milliseconds; 0 or null: no timeout. */
function idleMs(seconds: number | null): number | null {
  return seconds ? seconds * 1000 : null;
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
