import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { postJson } from '../helpers/test-server.js';

/**
 * A CPU-bound runtime (a synchronous loop of 2.5 s in `predict`) in a worker thread leaves the
 * server thread free: `/v2/health/live` answers within 50 ms while it computes (the issue's
 * number). In the server thread, the same runtime holds health for seconds.
 */
const BUSY = path.resolve(import.meta.dirname, '../fixtures/workers/busy');

let root: string;
let threaded: CliServer;
let inline: CliServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-busy-'));
  await cp(BUSY, path.join(root, 'busy'), { recursive: true });
  [threaded, inline] = await Promise.all([
    startCliServer(root, { models: ['busy'], env: { MLSERVER_PARALLEL_WORKERS: '1' } }),
    startCliServer(root, { models: ['busy'] }),
  ]);
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all([threaded?.stop(), inline?.stop()]);
  await rm(root, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
});

/** Milliseconds one `GET /v2/health/live` takes, from the client's side. */
async function healthLatency(server: CliServer): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.http}/v2/health/live`);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return performance.now() - started;
}

/**
 * Starts a 2.5 s computation, waits until the runtime has started it (its marker file), then
 * measures health until the computation ends; only samples that ended before it are kept.
 */
async function healthWhileBusy(
  server: CliServer,
  name: string,
): Promise<{ samples: number[]; status: number }> {
  const marker = path.join(root, `${name}.started`);
  let done = false;
  const predict = postJson(`${server.http}/v2/models/busy/infer`, {
    parameters: { busy_ms: 2500, marker },
    inputs: [],
  }).finally(() => {
    done = true;
  });
  while (!existsSync(marker)) await sleep(5);
  const samples: number[] = [];
  while (!done) {
    const latency = await healthLatency(server);
    if (!done) samples.push(latency);
  }
  return { samples, status: (await predict).status };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('a CPU-bound runtime, through the real CLI', () => {
  test('in a worker thread (parallel_workers 1), /v2/health/live answers within 50 ms while it computes', async () => {
    await healthLatency(threaded); // a kept-alive connection, as a probe's would be
    const { samples, status } = await healthWhileBusy(threaded, 'threaded');
    expect(status).toBe(200);
    expect(samples.length).toBeGreaterThan(5);
    expect(median(samples)).toBeLessThan(50);
    // Never anywhere near the computation's 2.5 s, even on a busy machine.
    expect(Math.max(...samples)).toBeLessThan(1000);
  }, 30_000);

  test('in the server thread (parallel_workers 0), the same computation holds health for seconds', async () => {
    await healthLatency(inline);
    const marker = path.join(root, 'inline.started');
    const predict = postJson(`${inline.http}/v2/models/busy/infer`, {
      parameters: { busy_ms: 2500, marker },
      inputs: [],
    });
    while (!existsSync(marker)) await sleep(5);
    expect(await healthLatency(inline)).toBeGreaterThan(1000);
    expect((await predict).status).toBe(200);
  }, 30_000);
});
