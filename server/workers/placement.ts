import type { ModelSettings } from '../settings/model-settings.js';

/**
 * What a built-in runtime says about where it runs, read from its settings before it is loaded.
 * The ONNX runtime runs in workers unless told otherwise; user runtimes say nothing.
 */
export interface RuntimePlacement {
  /** Workers the runtime's own options ask for (ONNX's `parameters.extra.workers`). */
  workers?: number;
  /** Workers when neither the model nor the server asks for any (ONNX: one per two cores). */
  defaultWorkers?: number;
  /** Unary calls that may wait for a free worker before 429 (ONNX's `max_queue`). */
  maxQueue?: number;
}

/** Reads a built-in runtime's placement from a model's settings. */
export type PlacementRule = (settings: ModelSettings) => Promise<RuntimePlacement>;

/** Where one model runs: `workers` threads of its own (0: the server thread). */
export interface Placement {
  workers: number;
  maxQueue: number;
}

/**
 * How many worker threads of its own a model runs in, first rule that says:
 *
 * 1. its model-settings' `parallel_workers` (0: the server thread);
 * 2. its runtime's own option (ONNX's `parameters.extra.workers`);
 * 3. the server's `parallel_workers`, when above 0;
 * 4. its runtime's default (ONNX: one per two cores), else 0.
 *
 * Every model has workers of its own: a model is never loaded in another model's workers, so
 * memory grows with the workers each model asks for, not with models × workers (MLServer #975).
 */
export function placeModel(
  settings: ModelSettings,
  serverWorkers: number,
  runtime: RuntimePlacement,
): Placement {
  const workers =
    settings.parallel_workers ??
    runtime.workers ??
    (serverWorkers > 0 ? serverWorkers : (runtime.defaultWorkers ?? 0));
  return { workers, maxQueue: runtime.maxQueue ?? Number.POSITIVE_INFINITY };
}
