import type { RuntimeLoader } from './runtime-loader.js';
import type { PlacementRule } from './workers/placement.js';

/**
 * Registers the runtimes that ship with mlserver-ts under their short names. Each is imported
 * only when a model uses it.
 */
export function registerBuiltinRuntimes(loader: RuntimeLoader): RuntimeLoader {
  loader.register('onnx', async () => (await import('../runtimes/onnx/index.js')).OnnxModel);
  return loader;
}

/**
 * Where the built-in runtimes run unless a model's settings say otherwise: ONNX models in worker
 * threads of their own (`parameters.extra.workers`, default one per two cores). Read before the
 * runtime is imported; the module it reads with imports nothing heavy.
 */
export const BUILTIN_PLACEMENT: Readonly<Record<string, PlacementRule>> = {
  onnx: async (settings) =>
    (await import('../runtimes/onnx/placement.js')).onnxPlacement(settings.parameters.extra),
};
