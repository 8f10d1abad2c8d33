import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InternalError, UnavailableError } from '../../server/errors.js';
import { WorkerPool } from '../../runtimes/onnx/worker-pool.js';
import type { WireTensor } from '../../runtimes/onnx/wire.js';

const FLAKY = new URL('./fixtures/flaky-worker.mjs', import.meta.url);
const logs: string[] = [];
const logger = { warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
const init = {
  file: 'unused.onnx',
  options: {
    graphOptimizationLevel: 'all' as const,
    executionProviders: ['cpu'],
    logSeverityLevel: 2 as const,
  },
};

function feeds(first: number): Record<string, WireTensor> {
  return { x: { type: 'float32', dims: [2], data: Float32Array.from([first, 1]) } };
}

describe('WorkerPool', () => {
  test('a worker that dies mid-request fails that request with a 500, is replaced, and the pool keeps serving', async () => {
    const pool = await WorkerPool.start('flaky', init, { workers: 1, maxQueue: 8 }, logger, FLAKY);
    try {
      const signal = new AbortController().signal;
      const ok = await pool.run(feeds(1), ['y'], signal);
      expect(Array.from(ok.y!.data as Float32Array)).toEqual([1, 1]);
      const first = pool.threads[0];

      const crash = pool.run(feeds(666), ['y'], signal);
      await expect(crash).rejects.toBeInstanceOf(InternalError);
      await expect(crash).rejects.toThrow(
        "model 'flaky': the worker running this request exited with code 3; the worker is being replaced",
      );

      const after = await pool.run(feeds(2), ['y'], signal);
      expect(Array.from(after.y!.data as Float32Array)).toEqual([2, 1]);
      expect(pool.threads).toHaveLength(1);
      expect(pool.threads[0]).not.toBe(first);
      expect(logs.join('\n')).toContain(
        "model 'flaky': an ONNX session worker exited with code 3; starting a replacement",
      );
    } finally {
      await pool.close();
    }
  });

  test('requests queued behind a dying worker are served by its replacement', async () => {
    const pool = await WorkerPool.start('flaky', init, { workers: 1, maxQueue: 8 }, logger, FLAKY);
    try {
      const signal = new AbortController().signal;
      const crash = pool.run(feeds(666), ['y'], signal).catch((err: Error) => err);
      const queued = pool.run(feeds(5), ['y'], signal);
      expect(await crash).toBeInstanceOf(InternalError);
      expect(Array.from((await queued).y!.data as Float32Array)).toEqual([5, 1]);
    } finally {
      await pool.close();
    }
  });

  test('after close, requests are refused as unavailable', async () => {
    const pool = await WorkerPool.start('flaky', init, { workers: 1, maxQueue: 8 }, logger, FLAKY);
    await pool.close();
    await expect(pool.run(feeds(1), ['y'], new AbortController().signal)).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  test('while no worker can be started, requests fail at once with the reason; service resumes when it can', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-pool-'));
    const file = path.join(dir, 'model.onnx');
    const pool = await WorkerPool.start(
      'broken',
      { ...init, file },
      { workers: 1, maxQueue: 8 },
      logger,
      FLAKY,
    );
    try {
      const signal = new AbortController().signal;
      await writeFile(`${file}.broken`, '');
      await expect(pool.run(feeds(666), ['y'], signal)).rejects.toBeInstanceOf(InternalError);
      let refused: Error | undefined;
      for (let i = 0; i < 400 && !refused; i++) {
        refused = await pool.run(feeds(1), ['y'], signal).then(
          () => undefined,
          (err: Error) => err,
        );
        if (!refused) await sleep(5);
      }
      expect(refused?.message).toContain("model 'broken' has no working session");
      expect(refused?.message).toContain('the model file is broken');
      await rm(`${file}.broken`);
      let served: Record<string, WireTensor> | undefined;
      for (let i = 0; i < 400 && !served; i++) {
        served = await pool.run(feeds(4), ['y'], signal).catch(() => undefined);
        if (!served) await sleep(25);
      }
      expect(Array.from(served!.y!.data as Float32Array)).toEqual([4, 1]);
    } finally {
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
