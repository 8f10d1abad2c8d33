import { Admission } from './admission.js';
import { ABORT_REQUEST, type InferenceContext, type ServerContext } from './context.js';
import {
  InferenceServerError,
  InvalidInputError,
  isInferenceServerError,
  ModelNotReadyError,
  UnavailableError,
} from './errors.js';
import type { ModelSlot } from './model-slot.js';
import type { ModelLease, ModelRegistry } from './registry.js';
import { validateInferenceRequest } from './request-validation.js';
import { checkResponse } from './response-check.js';
import type { ServerSettings } from './settings/server-settings.js';
import { map, peek, untilAborted } from './stream-utils.js';
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

/** Which model a call addresses. */
export interface ModelRef {
  name: string;
  version?: string | undefined;
}

/**
 * The transport-agnostic core: health, metadata, unary and streaming inference. REST, gRPC and
 * any other transport translate their wire format into these calls and back.
 */
export class DataPlane {
  private shuttingDown = false;
  private readinessHolds = 0;
  private readonly admission: Admission;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: ServerSettings,
    private readonly observer?: InferenceObserver,
  ) {
    this.admission = new Admission(settings.max_inflight_requests);
  }

  /** Stops taking new inference calls (shutdown); running ones go on. Readiness turns false. */
  beginShutdown(): void {
    this.shuttingDown = true;
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
    const ready = slots.filter((s) => s.state === 'READY').length;
    if (ready === 0) return false;
    return this.settings.ready_requires_all_models ? ready === slots.length : true;
  }

  /** Whether one model version is ready (unknown models are 404). */
  modelReady(ref: ModelRef): boolean {
    return this.registry.get(ref.name, ref.version).state === 'READY';
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

  /** One request, one response. */
  async infer(ref: ModelRef, body: unknown, context: InferenceContext): Promise<InferenceResponse> {
    const started = performance.now();
    let lease: ModelLease | undefined;
    let admitted: (() => void) | undefined;
    try {
      this.assertAccepting();
      admitted = this.admission.admit();
      lease = this.registry.lease(ref.name, ref.version, (context as ServerContext)[ABORT_REQUEST]);
      const marks: Marks = { start: started, leased: performance.now() };
      const request = prepareRequest(body, context, lease);
      marks.prepared = performance.now();
      const response = await lease.model.predict(request, runtimeContext(context));
      marks.computed = performance.now();
      const result = completeResponse(response, lease, request);
      this.observer?.onInferenceDone(ref.name, 'infer', seconds(started));
      this.timed(lease, 'infer', marks);
      return result;
    } catch (err) {
      const error = normalise(err, context);
      this.observer?.onInferenceDone(ref.name, 'infer', seconds(started), error);
      if (lease) this.timed(lease, 'infer', { start: started, leased: started }, error);
      throw error;
    } finally {
      lease?.release();
      admitted?.();
    }
  }

  /**
   * Opens a stream: resolves once the model is found ready and the first request is valid (so
   * transports can still answer with a status), then yields the runtime's responses. The stream
   * ends when the runtime's iterator does, or when `context.signal` fires.
   */
  async inferStream(
    ref: ModelRef,
    requests: AsyncIterable<unknown>,
    context: InferenceContext,
  ): Promise<AsyncIterable<InferenceResponse>> {
    const started = performance.now();
    this.assertAccepting();
    const admitted = this.admission.admit();
    let lease: ModelLease | undefined;
    try {
      lease = this.registry.lease(ref.name, ref.version, (context as ServerContext)[ABORT_REQUEST]);
      const head = await peek(requests);
      if (!head) throw new InvalidInputError('the stream carried no request');
      const first = prepareRequest(head.first, context, lease);
      const held = lease;
      const validated = map(head.all, (body, index) =>
        index === 0 ? first : prepareRequest(body, context, held),
      );
      const end = () => {
        held.release();
        admitted();
      };
      return releaseIfNeverStarted(
        this.runStream(ref, held, end, first, validated, runtimeContext(context)),
        end,
      );
    } catch (err) {
      lease?.release();
      admitted();
      const error = normalise(err, context);
      if (lease) this.timed(lease, 'stream', { start: started, leased: started }, error);
      throw error;
    }
  }

  private timed(
    lease: ModelLease,
    kind: 'infer' | 'stream',
    marks: Marks,
    error?: InferenceServerError,
  ): void {
    this.observer?.onInferenceTimed?.({ slot: lease.slot, kind, ...marks, end: performance.now(), error });
  }

  private assertAccepting(): void {
    if (this.shuttingDown) throw new UnavailableError('server is shutting down');
  }

  private async *runStream(
    ref: ModelRef,
    lease: ModelLease,
    end: () => void,
    first: InferenceRequest,
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    const started = performance.now();
    let error: InferenceServerError | undefined;
    try {
      const responses = lease.model.predictStream(requests, context);
      for await (const response of untilAborted(responses, context.signal)) {
        yield completeResponse(response, lease, first);
      }
    } catch (err) {
      error = normalise(err, context);
      throw error;
    } finally {
      end();
      this.observer?.onInferenceDone(ref.name, 'stream', seconds(started), error);
      const computed = performance.now();
      this.timed(lease, 'stream', { start: started, leased: started, prepared: started, computed }, error);
    }
  }
}

/**
 * A stream whose consumer may give up before the first `next()` (the client left while the
 * response head was being written): an async generator that never started would not run its
 * `finally`, so `return()` then ends the call itself.
 */
function releaseIfNeverStarted<T>(stream: AsyncIterable<T>, end: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = stream[Symbol.asyncIterator]();
      let started = false;
      return {
        next: (...args: [] | [unknown]) => {
          started = true;
          return iterator.next(...args);
        },
        return: async (value?: unknown) => {
          if (!started) end();
          return (await iterator.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * Validates a request body, holds it to the model's declared inputs and fills what the server
 * knows: its id and the request headers.
 */
function prepareRequest(body: unknown, context: InferenceContext, lease: ModelLease): InferenceRequest {
  const request = validateInferenceRequest(body);
  lease.slot.contract.check(request);
  request.id ??= context.requestId;
  if (Object.keys(context.headers).length > 0) {
    request.parameters = { ...request.parameters, headers: { ...context.headers } };
  }
  return request;
}

/** Checks a runtime's response and fills model name, version and id when the runtime left them out. */
function completeResponse(
  response: unknown,
  lease: ModelLease,
  request: InferenceRequest,
): InferenceResponse {
  const result = checkResponse(response, lease.slot.name, lease.slot.declaredOutputs);
  result.model_name ??= lease.slot.name;
  if (result.model_version === undefined && lease.slot.version !== undefined)
    result.model_version = lease.slot.version;
  result.id ??= request.id;
  return result;
}

/** The runtime's view of a context: without the server's internal abort handle. */
function runtimeContext(context: InferenceContext): InferenceContext {
  return { signal: context.signal, headers: context.headers, requestId: context.requestId };
}

/** Maps anything thrown to the error hierarchy; an aborted request reports why it was aborted. */
function normalise(err: unknown, context: InferenceContext): InferenceServerError {
  if (isInferenceServerError(err)) return err;
  if (context.signal.aborted && isInferenceServerError(context.signal.reason)) return context.signal.reason;
  return InferenceServerError.from(err, 'model error');
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
