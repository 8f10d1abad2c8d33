import { Worker } from 'node:worker_threads';
import { explainOpenError } from './element-types.js';
import type { WorkerInit } from './worker.js';
import type { FromWorker, WireSignature } from './wire.js';

/** Starts one worker and waits until its session is open. */
export function spawn(script: URL, init: WorkerInit): Promise<{ worker: Worker; signature: WireSignature }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: init });
    const fail = (err: Error) => {
      cleanup();
      void worker.terminate();
      reject(err);
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready') {
        cleanup();
        resolve({ worker, signature: message.signature });
      } else if (message.type === 'load-error') {
        fail(new Error(`onnxruntime could not open ${init.file}: ${explainOpenError(message.message)}`));
      }
    };
    const onError = (err: Error) => fail(new Error(`the session worker failed to start: ${err.message}`));
    const onExit = (code: number) =>
      fail(new Error(`the session worker exited with code ${code} while starting`));
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
