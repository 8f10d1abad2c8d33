import type { RuntimeLoader } from './runtime-loader.js';

/**
 * Registers the runtimes that ship with mlserver-ts under their short names. Each is imported
 * only when a model uses it.
 */
export function registerBuiltinRuntimes(loader: RuntimeLoader): RuntimeLoader {
  loader.register('onnx', async () => (await import('../runtimes/onnx/index.js')).OnnxModel);
  return loader;
}
