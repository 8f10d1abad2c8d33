import { availableParallelism } from 'node:os';
import { Ajv, type ErrorObject } from 'ajv';
import { ModelLoadError } from 'mlserver-ts';
import { defaultWorkers } from './placement.js';

export { defaultWorkers } from './placement.js';

/** `parameters.extra` of an ONNX model, after defaults. */
export interface OnnxOptions {
  /**
   * Worker threads, each with its own session; 0 runs the session on the server thread. The
   * server reads it to place the model (model-settings' `parallel_workers` wins over it).
   */
  workers: number;
  /** Requests that may wait for a free worker before new ones get 429 (read by the server). */
  max_queue: number;
  /** Threads of each session's intra-op pool (onnxruntime's default: one per core). */
  intra_op_num_threads?: number;
  /** Threads of each session's inter-op pool. */
  inter_op_num_threads?: number;
  graph_optimization_level: 'disabled' | 'basic' | 'extended' | 'all';
  /** Execution providers in order of preference; `cpu` unless the installed build offers more. */
  execution_providers: string[];
  /** onnxruntime's own log level: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal. */
  log_severity_level: 0 | 1 | 2 | 3 | 4;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workers: { type: 'integer', minimum: 0, maximum: 64 },
    max_queue: { type: 'integer', minimum: 1, default: 256 },
    intra_op_num_threads: { type: 'integer', minimum: 1 },
    inter_op_num_threads: { type: 'integer', minimum: 1 },
    graph_optimization_level: { enum: ['disabled', 'basic', 'extended', 'all'], default: 'all' },
    log_severity_level: { type: 'integer', minimum: 0, maximum: 4, default: 2 },
    execution_providers: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['cpu', 'cuda', 'dml', 'coreml', 'webgpu', 'tensorrt'] },
      default: ['cpu'],
    },
  },
} as const;

const check = new Ajv({ allErrors: true, useDefaults: true, strict: true }).compile(schema);

/**
 * Validates a model's `parameters.extra` for the ONNX runtime. Every problem is listed, each
 * naming its field; `available` is what this onnxruntime-node build offers (execution providers).
 * `hostedIn` is how many worker threads the server runs the model in (0: the server thread),
 * when known: it becomes `workers`, and each session's intra-op pool gets its share of the cores.
 */
export function parseOnnxOptions(
  model: string,
  extra: unknown,
  available: readonly string[],
  hostedIn?: number,
): OnnxOptions {
  const copy = structuredClone(extra ?? {}) as Record<string, unknown>;
  if (copy.stream_state !== undefined) {
    throw new ModelLoadError(
      `model '${model}': parameters.extra.stream_state moved to model-settings' session.state, which keeps a model's state on every transport: e.g. "session": {"state": [{"output": "stateN", "input": "state", "initial": {"shape": [2, 1, 128], "fill": 0}}]}`,
    );
  }
  if (!check(copy)) {
    const problems = (check.errors ?? []).map(describe);
    throw new ModelLoadError(`model '${model}': invalid parameters.extra: ${problems.join('; ')}`);
  }
  const options = copy as unknown as OnnxOptions;
  const missing = options.execution_providers.filter((ep) => !available.includes(ep));
  if (missing.length > 0) {
    throw new ModelLoadError(
      `model '${model}': parameters.extra.execution_providers: ${missing.join(', ')} not offered by this onnxruntime-node build (available: ${available.join(', ')})`,
    );
  }
  if (hostedIn !== undefined) options.workers = hostedIn;
  options.workers ??= defaultWorkers();
  if (options.intra_op_num_threads === undefined && options.workers > 0) {
    options.intra_op_num_threads = Math.max(1, Math.floor(availableParallelism() / options.workers));
  }
  return options;
}

function describe(error: ErrorObject): string {
  const field = `parameters.extra${error.instancePath.replaceAll('/', '.')}`;
  if (error.keyword === 'additionalProperties') {
    return `${field}.${String(error.params.additionalProperty)}: unknown option (known: ${Object.keys(schema.properties).join(', ')})`;
  }
  if (error.keyword === 'enum') {
    return `${field}: expected one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${field}: ${error.message ?? 'is invalid'}`;
}
