import {
  type InferenceContext,
  type InferenceRequest,
  type InferenceResponse,
  MLModel,
  type ModelCapabilities,
  type ModelMetadata,
  ModelNotReadyError,
} from 'mlserver-ts';
import { InlineHost } from './inline-host.js';
import { resolveModelFile } from './model-file.js';
import { type OnnxOptions, parseOnnxOptions } from './options.js';
import { checkRequest } from './request-check.js';
import { availableProviders } from './session-runner.js';
import { type ServedSignature, servedSignature } from './signature.js';
import { decodeInput } from './tensor-decode.js';
import { encodeOutput } from './tensor-encode.js';
import type { WireSessionOptions, WireTensor } from './wire.js';

/** The platform the metadata reports, as Triton names it. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

/**
 * The built-in ONNX runtime (`"implementation": "onnx"`): serves a `.onnx` file with
 * onnxruntime-node. Inputs, outputs, datatypes and shapes come from the model. It is an ordinary
 * runtime: the server runs it in worker threads (one per two cores unless `parameters.extra.workers`
 * or `parallel_workers` say otherwise), each with its own session, so the server stays responsive
 * while a model computes; with 0 workers its session runs on the server thread.
 */
export class OnnxModel extends MLModel {
  private host: InlineHost | undefined;
  private signature: ServedSignature | undefined;
  /** The validated `parameters.extra`, once loaded. */
  options: OnnxOptions | undefined;

  /** The session, once loaded (for diagnostics and tests). */
  get sessionHost(): InlineHost | undefined {
    return this.host;
  }

  /**
   * The ONNX runtime checks each request against the model's own complete signature, and its
   * session runs one call at a time (a run blocks its thread): the server's execution stage holds
   * the rest, where batching can merge them. In worker threads, the worker proxy reports one per
   * worker.
   */
  override get capabilities(): ModelCapabilities {
    return { ...super.capabilities, checksInputs: true, concurrency: 1 };
  }

  override async load(): Promise<void> {
    const file = await resolveModelFile(this.settings);
    // The server says how many worker threads run this model (0 or null: the server thread).
    const options = parseOnnxOptions(
      this.name,
      this.settings.parameters.extra,
      availableProviders(),
      this.settings.parallel_workers ?? 0,
    );
    const sessionOptions: WireSessionOptions = {
      graphOptimizationLevel: options.graph_optimization_level,
      executionProviders: options.execution_providers,
      logSeverityLevel: options.log_severity_level,
    };
    if (options.intra_op_num_threads !== undefined)
      sessionOptions.intraOpNumThreads = options.intra_op_num_threads;
    if (options.inter_op_num_threads !== undefined)
      sessionOptions.interOpNumThreads = options.inter_op_num_threads;
    const host = await InlineHost.open(this.name, file, sessionOptions);
    try {
      this.signature = servedSignature(host.signature, this.settings);
    } catch (err) {
      await host.close();
      throw err;
    }
    this.host = host;
    this.options = options;
  }

  /**
   * Runs one request. A recurrent model's state (silero-vad's `stateN` → `state`) is kept per
   * session by the server when model-settings declare `session.state`: this runtime answers each
   * step with `predict`.
   */
  override async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const { host, signature } = this;
    if (!host || !signature) throw new ModelNotReadyError(`model '${this.name}' is not loaded`);
    const { inputs, fetches } = checkRequest(this.name, signature, request);
    const feeds: Record<string, WireTensor> = Object.create(null);
    for (const [input, expected] of inputs) feeds[input.name] = decodeInput(input, expected.type);
    const results = await host.run(feeds, fetches, context.signal);
    const response: InferenceResponse = {
      model_name: this.name,
      outputs: fetches.map((name) => encodeOutput(name, results[name]!)),
    };
    if (this.version !== undefined) response.model_version = this.version;
    if (request.id !== undefined) response.id = request.id;
    return response;
  }

  override async unload(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    await host?.close();
  }

  override async metadata(): Promise<ModelMetadata> {
    const { name, versions, platform } = this.settings;
    const signature = this.signature;
    return {
      name,
      versions: [...versions],
      platform: platform || ONNX_PLATFORM,
      inputs: signature ? [...signature.inputs.values()].map((t) => t.metadata) : [...this.settings.inputs],
      outputs: signature
        ? [...signature.outputs.values()].map((t) => t.metadata)
        : [...this.settings.outputs],
    };
  }
}
