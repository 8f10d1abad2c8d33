import type { Scenario } from '../context.js';
import { runHttpLoad } from '../load/http-load.js';
import { fromHttpLoad } from '../measure.js';
import { type Measurement, unavailable } from '../measurement.js';
import { summariseLatencies } from '../stats.js';

const BODY = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] });

/**
 * Probes `GET /v2/health/live` one request at a time while `work` runs; resolves with the
 * probes' latencies (ms). What a Kubernetes liveness probe sees while the model computes.
 */
async function probeWhile(url: string, work: Promise<unknown>): Promise<number[]> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    await (await fetch(url)).arrayBuffer();
    if (!done) latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
}

/**
 * A CPU-bound custom runtime (`bench/models/cpu-w*`: a synchronous loop per request) over REST
 * with `parallel_workers` 0, 1 and 2: throughput, and the liveness probe's latency while the load
 * runs (`healthP50Ms`, `healthP99Ms`). Server only: the three rows are each other's baseline.
 */
export const cpuBoundWorkers: Scenario = {
  id: 'cpu-bound-workers',
  async run({ config, server, readyModels }) {
    const out: Measurement[] = [];
    for (const workers of [0, 1, 2]) {
      const model = `cpu-w${workers}`;
      for (const concurrency of config.concurrencies) {
        const key = {
          id: `${this.id}-${workers}`,
          label: `CPU-bound runtime REST infer, parallel_workers ${workers}`,
          side: 'server' as const,
          concurrency,
        };
        if (!readyModels.has(model)) {
          out.push(unavailable({ ...key, unit: 'req/s' }, `${model} not ready`));
          continue;
        }
        const load = runHttpLoad({
          url: `${server.http}/v2/models/${model}/infer`,
          body: BODY,
          connections: concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
        });
        const health = await probeWhile(`${server.http}/v2/health/live`, load);
        const measurement = fromHttpLoad(key, await load);
        const probes = summariseLatencies(health);
        measurement.extra = { healthP50Ms: probes.p50, healthP99Ms: probes.p99 };
        out.push(measurement);
      }
    }
    return out;
  },
};
