import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, InternalError, UnavailableError } from '../../server/errors.js';
import type { InferenceContext } from '../../server/context.js';
import { modelSettingsValidator } from '../../server/settings/model-settings.js';
import type { InferenceRequest, InferenceResponse } from '../../server/types.js';
import { RESPONSE_WINDOW } from '../../server/workers/protocol.js';
import { WorkerPool } from '../../server/workers/worker-pool.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workers');
const logs: string[] = [];
const logger = {
  info: (m: string) => logs.push(m),
  warn: (m: string) => logs.push(m),
  error: (m: string) => logs.push(m),
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-pool-'));
  await cp(FIXTURES, root, { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A pool of `workers` running the fixture model `name` (loaded by the real worker program). */
function start(name: string, workers = 1, maxWaiting = 8): Promise<WorkerPool> {
  const folder = path.join(root, name);
  const implementation = { crashy: 'crashy.Crashy', counter: 'counter.Counter' }[name]!;
  const settings = modelSettingsValidator.validate(
    { name, implementation, folder, source: path.join(folder, 'model-settings.json') },
    'test',
  );
  return WorkerPool.start({
    settings,
    workers,
    maxWaiting,
    policy: { scope: 'model_folder' },
    logger,
    unloadWarnMs: 5000,
  });
}

function context(signal = new AbortController().signal): InferenceContext {
  return { signal, headers: {}, requestId: 'r' };
}

function action(name?: string): InferenceRequest {
  return { inputs: [], ...(name ? { parameters: { action: name } } : {}) };
}

function thread(response: InferenceResponse): number {
  return Number(response.outputs[0]!.data[0]);
}

describe('WorkerPool', () => {
  test('a worker that dies mid-request fails that request with a 500 naming the crash, is replaced, and the model keeps serving', async () => {
    const pool = await start('crashy');
    try {
      const before = thread(await pool.predict(action(), context()));
      const crash = pool.predict(action('exit'), context());
      await expect(crash).rejects.toBeInstanceOf(InternalError);
      await expect(crash).rejects.toThrow(
        "model 'crashy': the worker thread running this request (worker 1 of 1) exited with code 7; the worker is being replaced",
      );
      const after = thread(await pool.predict(action(), context()));
      expect(after).not.toBe(before);
      expect(pool.threads).toHaveLength(1);
      expect(logs.join('\n')).toContain(
        "model 'crashy': worker 1 of 1 exited with code 7; the calls it was running failed; starting a replacement",
      );
      expect(logs.join('\n')).toContain("model 'crashy': worker 1 replaced");
    } finally {
      await pool.close();
    }
  });

  test('an uncaught exception in runtime code ends only its worker; requests queued behind it are served by the replacement', async () => {
    const pool = await start('crashy');
    try {
      const crash = pool.predict(action('throw'), context()).catch((err: Error) => err);
      const queued = pool.predict(action(), context());
      const error = await crash;
      expect(error).toBeInstanceOf(InternalError);
      expect((error as Error).message).toContain('threw an uncaught exception: crashy threw from a timer');
      expect(thread(await queued)).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  test('the signal crosses to the worker with its reason, as the server class', async () => {
    const pool = await start('crashy');
    try {
      const controller = new AbortController();
      const waiting = pool.predict(action('wait'), context(controller.signal));
      await sleep(50);
      controller.abort(new CancelledError('the client went away'));
      const response = await waiting;
      expect(response.outputs[1]!.data[0]).toBe('CancelledError|true|the client went away');
    } finally {
      await pool.close();
    }
  });

  test('a call whose signal fires while it waits for a worker never runs', async () => {
    const pool = await start('crashy');
    try {
      const first = new AbortController();
      const busy = pool.predict(action('wait'), context(first.signal));
      const second = new AbortController();
      const queued = pool.predict(action(), context(second.signal));
      expect(pool.queued).toBe(1);
      second.abort(new CancelledError('gone'));
      await expect(queued).rejects.toThrow('gone');
      expect(pool.queued).toBe(0);
      first.abort();
      await busy;
    } finally {
      await pool.close();
    }
  });

  test('after close, calls are refused as unavailable', async () => {
    const pool = await start('crashy');
    await pool.close();
    await expect(pool.predict(action(), context())).rejects.toBeInstanceOf(UnavailableError);
  });

  test('while no worker can be started, calls fail at once with the reason; service resumes when it can', async () => {
    const pool = await start('crashy');
    const failLoad = path.join(root, 'crashy', 'fail-load');
    try {
      await writeFile(failLoad, '');
      await expect(pool.predict(action('exit'), context())).rejects.toBeInstanceOf(InternalError);
      let refused: Error | undefined;
      for (let i = 0; i < 400 && !refused; i++) {
        refused = await pool.predict(action(), context()).then(
          () => undefined,
          (err: Error) => err,
        );
        if (!refused) await sleep(10);
      }
      expect(refused?.message).toBe("model 'crashy' has no working worker: the model file is broken");
      await rm(failLoad);
      let served: InferenceResponse | undefined;
      for (let i = 0; i < 400 && !served; i++) {
        served = await pool.predict(action(), context()).catch(() => undefined);
        if (!served) await sleep(25);
      }
      expect(served).toBeDefined();
    } finally {
      await rm(failLoad, { force: true });
      await pool.close();
    }
  });

  test('a stream whose reader stops reading pauses its runtime after a window of responses', async () => {
    const pool = await start('counter');
    try {
      const stream = await pool.stream(context());
      void stream.feed(
        (async function* () {
          yield { inputs: [] } as InferenceRequest;
        })(),
      );
      const first = await stream.next();
      expect(first.done).toBe(false);
      await sleep(300); // the runtime would yield thousands of responses in this time
      let last: InferenceResponse | undefined;
      for (let i = 0; i < 3 * RESPONSE_WINDOW; i++) last = (await stream.next()).value;
      const produced = Number(last!.outputs[1]!.data[0]);
      // The runtime never gets more than a window ahead of the reader (plus the one in hand).
      expect(produced).toBeLessThanOrEqual(1 + 3 * RESPONSE_WINDOW + RESPONSE_WINDOW + 1);
      stream.close();
    } finally {
      await pool.close();
    }
  });

  test('a worker that dies during a stream ends the stream with the crash', async () => {
    const pool = await start('counter');
    try {
      const stream = await pool.stream(context());
      void stream.feed(
        (async function* () {
          yield { inputs: [] } as InferenceRequest;
        })(),
      );
      await stream.next();
      await pool.threads[0]!.terminate();
      let error: unknown;
      try {
        while (!(await stream.next()).done);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InternalError);
      expect((error as Error).message).toContain(
        "model 'counter': the worker thread running this request (worker 1 of 1) exited with code 1",
      );
    } finally {
      await pool.close();
    }
  });
});
