import type { DataPlane, ModelRef } from './dataplane.js';
import type { ModelRegistry } from './registry.js';
import type { Datatype, TensorMetadata } from './types.js';

/** A tensor's datatype as Triton's model configuration names it (`BYTES` is `TYPE_STRING`). */
export type ConfigDataType = `TYPE_${Exclude<Datatype, 'BYTES'> | 'STRING'}`;

/** An input or output in Triton's model configuration. */
export interface TensorConfig {
  name: string;
  data_type: ConfigDataType;
  /** Without the batch dimension when `max_batch_size` > 0; -1 for a variable size. */
  dims: number[];
}

/**
 * A model's configuration in the shape of Triton's `ModelConfig` (model configuration
 * extension), as far as a model's settings and metadata say it.
 */
export interface ModelConfig {
  name: string;
  platform: string;
  backend: string;
  max_batch_size: number;
  input: TensorConfig[];
  output: TensorConfig[];
  model_transaction_policy: { decoupled: boolean };
}

/** Built-in runtimes under the backend names Triton gives the same engines. */
const TRITON_BACKENDS: Readonly<Record<string, string>> = { onnx: 'onnxruntime' };

/**
 * Derives Triton-style model configurations from model-settings.json and the model's metadata
 * (the runtime's once loaded, so an ONNX model's tensors appear even when its settings list
 * none). `backend` is the settings' `implementation` (built-in ONNX: `onnxruntime`); a model
 * whose runtime streams by itself is `decoupled`, as Triton calls it.
 */
export class ModelConfigs {
  constructor(
    private readonly dataplane: DataPlane,
    private readonly registry: ModelRegistry,
  ) {}

  /** The configuration of a model version (unknown: `NotFoundError`). */
  async get(ref: ModelRef): Promise<ModelConfig> {
    const { settings, state } = this.registry.get(ref.name, ref.version);
    const metadata = await this.dataplane.modelMetadata(ref);
    const batched = settings.max_batch_size > 0;
    const tensor = (t: TensorMetadata): TensorConfig => ({
      name: t.name,
      data_type: t.datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${t.datatype}`,
      dims: batched ? t.shape.slice(1) : [...t.shape],
    });
    return {
      name: settings.name,
      platform: metadata.platform,
      backend: TRITON_BACKENDS[settings.implementation] ?? settings.implementation,
      max_batch_size: settings.max_batch_size,
      input: metadata.inputs.map(tensor),
      output: metadata.outputs.map(tensor),
      model_transaction_policy: { decoupled: state === 'READY' && this.dataplane.modelStreams(ref) },
    };
  }
}
