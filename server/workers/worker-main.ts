/**
 * The program of a model's worker thread: loads the model's runtime exactly as the CLI loads it
 * in the server thread (the same loader: tsx for `.ts` runtimes, `mlserver-ts` resolved to the
 * server's own entry, built-ins by name), reports its metadata and capabilities, then serves the
 * server thread's calls (see `WorkerHost`). A load that fails is reported, and the server thread
 * ends the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { registerBuiltinRuntimes } from '../builtin-runtimes.js';
import { forwardCustomMetrics } from '../metrics/custom-metrics.js';
import { loadedCopies, modelCapabilities } from '../model.js';
import { type ModuleImporter, RuntimeLoader } from '../runtime-loader.js';
import type { ModelSettings } from '../settings/model-settings.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { WorkerHost } from './worker-host.js';
import type { WorkerInit } from './worker-init.js';
import { toWireError } from './wire-error.js';

const port = parentPort;
if (!port) throw new Error('the model worker must run in a worker thread');
const init = workerData as WorkerInit;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

// The server thread's policy for a forgotten promise: logged, and the runtime goes on.
process.on('unhandledRejection', (reason) => {
  const what = reason instanceof Error ? reason.message : String(reason);
  post({ t: 'log', level: 'error', message: `unhandled promise rejection: ${what}; the worker goes on` });
});

/** Settings are frozen in the server thread; the clone that crossed is frozen again (without ajv's import). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// Custom metrics are served by the server thread: what the runtime records goes there.
forwardCustomMetrics((event) => post({ t: 'metric', event }));

try {
  // tsx and the `mlserver-ts` resolve hook are installed only when a user module is imported:
  // a built-in (ONNX) imports its own siblings and starts faster without them.
  let importer: Promise<ModuleImporter> | undefined;
  const importModule: ModuleImporter = async (url) => {
    importer ??= import('../runtime-modules/runtime-importer.js').then((m) => m.runtimeImporter());
    return (await importer)(url);
  };
  const loader = registerBuiltinRuntimes(new RuntimeLoader(importModule, init.policy));
  const settings = deepFreeze({ ...init.settings, parallel_workers: init.count }) as ModelSettings;
  const model = await loader.create(settings);
  await model.load();
  model.ready = true;
  const metadata = await model.metadata();
  const host = new WorkerHost(model, post);
  port.on('message', (message: ToWorker) => host.handle(message));
  post({ t: 'ready', metadata, capabilities: modelCapabilities(model) });
  const copies = loadedCopies();
  if (copies.length > 1) {
    post({
      t: 'log',
      level: 'warn',
      message: `${copies.length} copies of mlserver-ts are loaded in the worker (${copies.join(', ')}); runtimes should import the server's own`,
    });
  }
} catch (err) {
  post({ t: 'load-error', error: toWireError(err) });
}
