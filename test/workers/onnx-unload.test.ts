/** @jest-environment ./test/onnx/ort-environment.cjs */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerModel } from '../../server/workers/worker-model.js';
import { infer, type RunningServer, startServer } from '../onnx/harness.js';
import { slowModel, tempRepository, writeModel } from '../onnx/test-models.js';

/**
 * Unloading a model whose worker is inside onnxruntime's native run: the worker is never
 * terminated under it (that would take the whole process down).
 * When it was (a first version terminated a worker still busy after `parallel_workers_timeout`),
 * this test ended with `terminate called after throwing an instance of 'Napi::Error'` and the
 * process aborted. The server waits for the run, then ends the worker.
 */
let root: string;
let running: RunningServer;

beforeAll(async () => {
  root = await tempRepository();
  await writeModel(root, 'slow', slowModel(), { extra: { workers: 1, intra_op_num_threads: 1 } });
  running = await startServer(root, { parallel_workers_timeout: 0.2, shutdown_grace_period: 0.2 });
});

afterAll(async () => {
  await running.stop();
  await rm(root, { recursive: true, force: true });
});

const N = 256;

test('a model unloaded while onnxruntime runs in its worker waits for the run, past the timeout', async () => {
  const model = running.server.registry.get('slow').model as unknown as WorkerModel;
  const slow = infer(running.url, 'slow', {
    inputs: [
      { name: 'iterations', datatype: 'INT64', shape: [], data: [4_000] },
      { name: 'x', datatype: 'FP32', shape: [N, N], data: new Array(N * N).fill(0.01) },
    ],
  });
  for (let i = 0; i < 4000 && model.workers?.running !== 1; i++) await sleep(5);
  expect(model.workers?.running).toBe(1);
  const unload = await fetch(`${running.url}/v2/repository/models/slow/unload`, { method: 'POST' });
  expect(unload.status).toBe(200);
  // The client was answered when the grace period ended; the run itself went on.
  expect([503, 200]).toContain((await slow).status);
  // The process is alive and serving.
  expect((await fetch(`${running.url}/v2/health/live`)).status).toBe(200);
}, 60_000);
