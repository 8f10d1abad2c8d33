import path from 'node:path';
import { decodeRequest, encodeResponse } from './codecs/request-codecs.js';
import { StringCodec } from './codecs/string-codec.js';
import { TensorCodec } from './codecs/tensor-codec.js';
import type { InferenceContext } from './context.js';
import { UnimplementedError } from './errors.js';
import type { ModelSettings } from './settings/model-settings.js';
import type {
  InferenceRequest,
  InferenceResponse,
  ModelMetadata,
  RequestInput,
  TypedArray,
} from './types.js';

/**
 * What a runtime offers, as plain data: it is computed once when the model loads and can cross
 * a thread or process boundary as it is.
 */
export interface ModelCapabilities {
  /** The runtime has its own `predict`: it answers unary calls. */
  unary: boolean;
  /**
   * The runtime checks every request against a complete signature of its own (the ONNX runtime
   * does), so the core's check against the declared inputs is left to it.
   */
  checksInputs?: boolean;
  /**
   * The runtime streams by itself (its own `predictStream`, or MLServer's `predict_stream`): it
   * may answer one request with many responses. Otherwise a stream is `predict` once per request.
   */
  nativeStream: boolean;
  /**
   * How many `predict` calls the runtime can run at once: a model in worker threads runs one per
   * worker. The core's execution stage queues calls beyond it. Absent: no limit of its own.
   */
  concurrency?: number;
}

/**
 * Marks the base class's default methods. `Symbol.for` is shared by every copy of this module,
 * so a runtime's class is judged by whether it replaced a default, not by which copy of
 * `MLModel` it extends.
 */
const DEFAULT_METHOD = Symbol.for('mlserver-ts.MLModel.defaultMethod');

/**
 * Every copy of this module evaluated in this process, by URL (`Symbol.for` makes the list
 * shared). The server and its runtimes should share one copy; more than one means a runtime
 * imported its own `mlserver-ts`, which the server reports.
 */
const COPIES = Symbol.for('mlserver-ts.copies');
const shared = globalThis as { [COPIES]?: string[] };
shared[COPIES] ??= [];
const copies: string[] = shared[COPIES];
copies.push(import.meta.url);

/** The URLs of every copy of `mlserver-ts` loaded in this process (one, normally). */
export function loadedCopies(): readonly string[] {
  return copies;
}

/** A runtime written in MLServer's style may name its streaming method `predict_stream`. */
type SnakeCaseStream = (
  requests: AsyncIterable<InferenceRequest>,
  context: InferenceContext,
) => AsyncIterable<InferenceResponse>;

/**
 * The runtime contract. A runtime extends `MLModel` and overrides what it offers:
 *
 * - `load()`: read weights, open sessions. Throwing leaves the model UNAVAILABLE with the reason.
 * - `predict(request, context)`: one request, one response (REST `infer`, gRPC `ModelInfer`).
 * - `predictStream(requests, context)`: requests in, responses out, as async iterables (SSE
 *   `infer_stream`, gRPC `ModelStreamInfer`, WebSocket sessions). Default: `predict` once per request.
 *   MLServer's snake_case `predict_stream` is accepted as an alias.
 * - `unload()`: release what `load` took.
 * - `metadata()`: what the model takes and returns; default from `model-settings.json`.
 *
 * `context.signal` fires when the client leaves, the deadline passes or the server shuts down:
 * long-running work should stop then.
 */
export class MLModel {
  /** The model's validated settings. */
  readonly settings: ModelSettings;
  /** True once `load` has finished. */
  ready = false;

  constructor(settings: ModelSettings) {
    this.settings = settings;
  }

  /** The model's name. */
  get name(): string {
    return this.settings.name;
  }

  /** The model's version (`parameters.version`), if any. */
  get version(): string | undefined {
    return this.settings.parameters.version ?? undefined;
  }

  /**
   * `parameters.uri` resolved against the model folder (as MLServer resolves it); a uri with a
   * scheme (`s3://…`) is returned as written; undefined when the settings give none.
   */
  get uri(): string | undefined {
    const { uri } = this.settings.parameters;
    if (!uri) return undefined;
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : path.resolve(this.settings.folder, uri);
  }

  /** MLServer's name for `settings`, so ported runtimes can keep `this._settings.name`. */
  get _settings(): ModelSettings {
    return this.settings;
  }

  /** Prepares the model. Override to read weights; throw to fail the load. */
  async load(): Promise<void> {}

  /** Answers one request. Override in runtimes that serve unary inference. */
  async predict(_request: InferenceRequest, _context: InferenceContext): Promise<InferenceResponse> {
    throw new UnimplementedError(
      `model '${this.name}' does not implement predict; it serves streaming only (REST infer_stream or generate_stream, gRPC ModelStreamInfer)`,
    );
  }

  /**
   * Answers a stream of requests with a stream of responses. Default: `predict` once per request,
   * in order (the server itself serves a runtime without its own `predictStream` this way, with
   * the model's server-held state in between).
   */
  async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    const snake = (this as unknown as { predict_stream?: SnakeCaseStream }).predict_stream;
    if (typeof snake === 'function') {
      yield* snake.call(this, requests, context);
      return;
    }
    for await (const request of requests) yield await this.predict(request, context);
  }

  /** Releases what `load` took. */
  async unload(): Promise<void> {}

  /**
   * What this runtime offers. Default: found from which methods the class overrides; a runtime
   * that forwards calls elsewhere (to a worker, another process) overrides this to say so.
   */
  get capabilities(): ModelCapabilities {
    return detectCapabilities(this);
  }

  /** What the model takes and returns; default from `model-settings.json`. */
  async metadata(): Promise<ModelMetadata> {
    const { name, versions, platform, inputs, outputs } = this.settings;
    return { name, versions: [...versions], platform, inputs: [...inputs], outputs: [...outputs] };
  }

  /** The strings of a BYTES input. */
  decodeStrings(input: RequestInput): string[] {
    return StringCodec.decodeInput(input);
  }

  /** The elements of a numeric input as the typed array of its datatype. */
  decodeTensor(input: RequestInput): TypedArray {
    return TensorCodec.decodeInput(input);
  }

  /**
   * Decodes a request by its content types, as MLServer does: a request-level codec (`pd`, from
   * the request or this model's `parameters.content_type`) gives one value; otherwise
   * `{ [inputName]: value }`, each input by its own `content_type`, the model metadata's, or its type.
   */
  decodeRequest(request: InferenceRequest): unknown {
    return decodeRequest(request, {
      contentType: this.settings.parameters.content_type,
      metadata: this.settings,
    });
  }

  /** Encodes a value into a response (see `encodeResponse` in the codecs). */
  encodeResponse(
    payload: unknown,
    options: { contentType?: string; outputName?: string } = {},
  ): InferenceResponse {
    return encodeResponse(payload, { ...options, modelName: this.name });
  }
}

for (const method of [MLModel.prototype.predict, MLModel.prototype.predictStream]) {
  Object.defineProperty(method, DEFAULT_METHOD, { value: true });
}

function isDefault(method: unknown): boolean {
  return typeof method !== 'function' || (method as { [DEFAULT_METHOD]?: boolean })[DEFAULT_METHOD] === true;
}

function detectCapabilities(model: MLModel): ModelCapabilities {
  const snake = (model as unknown as { predict_stream?: unknown }).predict_stream;
  return {
    unary: !isDefault(model.predict),
    nativeStream: !isDefault(model.predictStream) || typeof snake === 'function',
  };
}

/**
 * A loaded runtime's capabilities: what it declares (`capabilities`), else what its methods show
 * (for a runtime built on a copy of `MLModel` that predates the getter).
 */
export function modelCapabilities(model: MLModel): ModelCapabilities {
  const declared = (model as { capabilities?: unknown }).capabilities;
  if (
    typeof declared === 'object' &&
    declared !== null &&
    typeof (declared as ModelCapabilities).unary === 'boolean' &&
    typeof (declared as ModelCapabilities).nativeStream === 'boolean'
  ) {
    return { ...(declared as ModelCapabilities) };
  }
  return detectCapabilities(model);
}

/** The constructor a model-settings `implementation` must resolve to. */
export type MLModelClass = new (settings: ModelSettings) => MLModel;
