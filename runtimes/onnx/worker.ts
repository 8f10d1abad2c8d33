/**
 * A session worker: opens its own onnxruntime session on the model file, then answers run
 * messages one at a time. Loaded by plain Node in a worker thread (from `dist/`), so it imports
 * nothing but onnxruntime-node and its siblings.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classifyRunError, createSession, describeSession, runSession } from './session-runner.js';
import { type FromWorker, type ToWorker, transferables, type WireSessionOptions } from './wire.js';

/** What the pool hands each worker. */
export interface WorkerInit {
  file: string;
  options: WireSessionOptions;
}

const port = parentPort;
if (!port) throw new Error('the ONNX session worker must run in a worker thread');
const init = workerData as WorkerInit;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

try {
  const session = await createSession(init.file, init.options);
  port.on('message', async (message: ToWorker) => {
    try {
      const outputs = await runSession(session, message.feeds, message.fetches);
      send({ type: 'result', id: message.id, outputs }, transferables(outputs));
    } catch (err) {
      send({ type: 'error', id: message.id, error: classifyRunError(err) });
    }
  });
  send({ type: 'ready', signature: describeSession(session) });
} catch (err) {
  send({ type: 'load-error', message: err instanceof Error ? err.message : String(err) });
}
