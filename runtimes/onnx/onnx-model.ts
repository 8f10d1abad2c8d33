import {
  type InferenceContext,
  type InferenceRequest,
  type InferenceResponse,
  MLModel,
  ModelLoadError,
  type ModelCapabilities,
  type ModelMetadata,
  ModelNotReadyError,
  type RequestInput,
  type ResponseOutput,
} from 'mlserver-ts';
import { InlineHost } from './inline-host.js';
import { resolveModelFile } from './model-file.js';
import { type OnnxOptions, parseOnnxOptions } from './options.js';
import { checkRequest } from './request-check.js';
import type { SessionHost } from './session-host.js';
import { availableProviders } from './session-runner.js';
import { type ServedSignature, servedSignature } from './signature.js';
import { decodeInput } from './tensor-decode.js';
import { encodeOutput } from './tensor-encode.js';
import type { WireSessionOptions, WireTensor } from './wire.js';
import { WorkerPool } from './worker-pool.js';

/** The platform the metadata reports, as Triton names it. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

const stderrLogger = {
  warn: (message: string) => console.warn(`[mlserver-ts onnx] ${message}`),
  error: (message: string) => console.error(`[mlserver-ts onnx] ${message}`),
};

/**
 * The built-in ONNX runtime (`"implementation": "onnx"`): serves a `.onnx` file with
 * onnxruntime-node, its sessions in worker threads so the server stays responsive while a
 * model computes. Inputs, outputs, datatypes and shapes come from the model.
 */
export class OnnxModel extends MLModel {
  private host: SessionHost | undefined;
  private signature: ServedSignature | undefined;
  /** The validated `parameters.extra`, once loaded. */
  options: OnnxOptions | undefined;

  /** Where the sessions run, once loaded (for diagnostics and tests). */
  get sessionHost(): SessionHost | undefined {
    return this.host;
  }

  /** The ONNX runtime checks each request against the model's own complete signature. */
  override get capabilities(): ModelCapabilities {
    return { ...super.capabilities, checksInputs: true };
  }

  override async load(): Promise<void> {
    const file = await resolveModelFile(this.settings);
    const options = parseOnnxOptions(this.name, this.settings.parameters.extra, availableProviders());
    const sessionOptions: WireSessionOptions = {
      graphOptimizationLevel: options.graph_optimization_level,
      executionProviders: options.execution_providers,
      logSeverityLevel: options.log_severity_level,
    };
    if (options.intra_op_num_threads !== undefined)
      sessionOptions.intraOpNumThreads = options.intra_op_num_threads;
    if (options.inter_op_num_threads !== undefined)
      sessionOptions.interOpNumThreads = options.inter_op_num_threads;
    const host =
      options.workers === 0
        ? await InlineHost.open(this.name, file, sessionOptions)
        : await WorkerPool.start(
            this.name,
            { file, options: sessionOptions },
            { workers: options.workers, maxQueue: options.max_queue },
            stderrLogger,
          );
    try {
      this.signature = servedSignature(host.signature, this.settings);
      checkStreamState(this.name, this.signature, options.stream_state);
    } catch (err) {
      await host.close();
      throw err;
    }
    this.host = host;
    this.options = options;
  }

  override async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    return (await this.run(request, context, [])).response;
  }

  /**
   * One response per request, in order (Triton's ModelStreamInfer). With
   * `parameters.extra.stream_state` (output → input, e.g. `{"stateN": "state"}`) the state stays
   * on the server: a request that omits the input gets the previous response's output, so an
   * audio stream sends only its frames after the first request.
   */
  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    const carry = Object.entries(this.options?.stream_state ?? {});
    const carried = new Map<string, RequestInput>();
    for await (const request of requests) {
      if (context.signal.aborted) return;
      const given = new Set(request.inputs.map((input) => input.name));
      const inputs = [...request.inputs, ...[...carried.values()].filter((input) => !given.has(input.name))];
      const { response, all } = await this.run(
        { ...request, inputs },
        context,
        carry.map(([output]) => output),
      );
      for (const [output, input] of carry) carried.set(input, asInput(input, all.get(output)!));
      yield response;
    }
  }

  /** Runs one request; `extraFetches` are computed (for stream state) even when not asked for. */
  private async run(
    request: InferenceRequest,
    context: InferenceContext,
    extraFetches: readonly string[],
  ): Promise<{ response: InferenceResponse; all: Map<string, ResponseOutput> }> {
    const { host, signature } = this;
    if (!host || !signature) throw new ModelNotReadyError(`model '${this.name}' is not loaded`);
    const { inputs, fetches } = checkRequest(this.name, signature, request);
    const feeds: Record<string, WireTensor> = Object.create(null);
    for (const [input, expected] of inputs) feeds[input.name] = decodeInput(input, expected.type);
    const toRun = [...new Set([...fetches, ...extraFetches])];
    const results = await host.run(feeds, toRun, context.signal);
    const all = new Map(toRun.map((name) => [name, encodeOutput(name, results[name]!)]));
    const response: InferenceResponse = {
      model_name: this.name,
      outputs: fetches.map((name) => all.get(name)!),
    };
    if (this.version !== undefined) response.model_version = this.version;
    if (request.id !== undefined) response.id = request.id;
    return { response, all };
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

/** An output fed back as the next request's input: a copy, so the response keeps its own data. */
function asInput(name: string, output: ResponseOutput): RequestInput {
  const data = ArrayBuffer.isView(output.data) ? output.data.slice() : [...output.data];
  return { name, datatype: output.datatype, shape: [...output.shape], data };
}

/** `stream_state` must pair an output and an input of the model with the same datatype. */
function checkStreamState(model: string, signature: ServedSignature, state: Record<string, string>): void {
  for (const [output, input] of Object.entries(state)) {
    const out = signature.outputs.get(output);
    const inp = signature.inputs.get(input);
    if (!out || !inp) {
      throw new ModelLoadError(
        `model '${model}': parameters.extra.stream_state maps '${output}' to '${input}', but the model has no ${out ? `input '${input}'` : `output '${output}'`}`,
      );
    }
    if (out.metadata.datatype !== inp.metadata.datatype) {
      throw new ModelLoadError(
        `model '${model}': parameters.extra.stream_state maps output '${output}' (${out.metadata.datatype}) to input '${input}' (${inp.metadata.datatype})`,
      );
    }
  }
}
