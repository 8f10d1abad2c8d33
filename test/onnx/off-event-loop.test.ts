/** @jest-environment ./test/onnx/ort-environment.cjs */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleModel } from '../../scripts/bundled-models.js';
import type { WorkerModel } from '../../server/workers/worker-model.js';
import { infer, type RunningServer, startServer } from './harness.js';
import { slowModel, tempRepository, writeModel } from './test-models.js';

let root: string;
let running: RunningServer;

beforeAll(async () => {
  root = await tempRepository();
  await writeModel(root, 'slow', slowModel(), { extra: { workers: 1, intra_op_num_threads: 1 } });
  await writeModel(root, 'slow-short-queue', slowModel(), {
    max_queue_size: 1,
    extra: { workers: 1, intra_op_num_threads: 1 },
  });
  await writeModel(root, 'simple', simpleModel(), { extra: { workers: 1 } });
  running = await startServer(root);
});

afterAll(async () => {
  await running.stop();
  await rm(root, { recursive: true, force: true });
});

const N = 256;

/** A request that keeps the slow model busy for a while (thousands of 256×256 matrix products). */
function slowRequest(iterations: number) {
  return {
    inputs: [
      { name: 'iterations', datatype: 'INT64', shape: [], data: [iterations] },
      { name: 'x', datatype: 'FP32', shape: [N, N], data: new Array(N * N).fill(0.01) },
    ],
  };
}

const simpleRequest = {
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(3) },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
  ],
};

/** The worker threads an ONNX model runs in (the server runs ONNX models in workers). */
function pool(model: string): NonNullable<WorkerModel['workers']> {
  return (running.server.registry.get(model).model as unknown as WorkerModel).workers!;
}

/** Requests waiting in a model's execution stage (the server's queue in front of its workers). */
function queued(model: string): number {
  return running.server.dataplane.executionLoad({ name: model }).waiting;
}

/** Polls until `condition` holds (bounded: fails the test after 20 s). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (condition()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('ONNX sessions run off the event loop', () => {
  test('while the slow model computes, health and another model answer first', async () => {
    const order: string[] = [];
    const slow = infer(running.url, 'slow', slowRequest(5_000)).then((reply) => {
      order.push('slow');
      return reply;
    });
    await until(() => pool('slow').running === 1, 'the slow model runs');
    const health = fetch(`${running.url}/v2/health/ready`).then((response) => {
      order.push('health');
      return response.status;
    });
    const other = infer(running.url, 'simple', simpleRequest).then((reply) => {
      order.push('simple');
      return reply;
    });
    const [slowReply, healthStatus, otherReply] = await Promise.all([slow, health, other]);
    expect(healthStatus).toBe(200);
    expect(otherReply.status).toBe(200);
    expect(slowReply.status).toBe(200);
    expect(order.indexOf('slow')).toBe(2);
  });

  test('a worker that exits is replaced and the model stays served', async () => {
    // Terminated while idle: terminating a worker inside onnxruntime's native run() would abort
    // the process (see WorkerLink.unload); dying mid-request is covered in test/workers/.
    const worker = pool('slow').threads[0]!;
    await worker.terminate();
    const after = await infer(running.url, 'slow', slowRequest(1));
    expect(after.status).toBe(200);
    expect(pool('slow').threads).toHaveLength(1);
    expect(pool('slow').threads[0]).not.toBe(worker);
  });

  test('a queued request whose client left is dropped before it runs', async () => {
    const busy = infer(running.url, 'slow', slowRequest(5_000));
    await until(() => pool('slow').running === 1, 'the slow model runs');
    const client = new AbortController();
    const leaving = fetch(`${running.url}/v2/models/slow/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slowRequest(5_000)),
      signal: client.signal,
    }).catch((err: Error) => err.name);
    await until(() => queued('slow') === 1, 'the second request waits');
    client.abort();
    expect(await leaving).toBe('AbortError');
    await until(() => queued('slow') === 0, 'the abandoned request leaves the queue');
    expect(pool('slow').running).toBe(1);
    expect((await busy).status).toBe(200);
  });

  test('a full queue answers 429 instead of growing', async () => {
    const first = infer(running.url, 'slow-short-queue', slowRequest(3_000));
    await until(() => pool('slow-short-queue').running === 1, 'the slow model runs');
    const second = infer(running.url, 'slow-short-queue', slowRequest(1));
    await until(() => queued('slow-short-queue') === 1, 'the second request waits');
    const third = await infer(running.url, 'slow-short-queue', slowRequest(1));
    expect(third.status).toBe(429);
    expect(third.body.error).toContain(
      "model 'slow-short-queue' has 1 requests waiting, its limit (setting max_queue_size)",
    );
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });
});
