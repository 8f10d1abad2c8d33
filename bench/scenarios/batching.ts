import { batchedName } from '../bench-repo.js';
import type { BenchContext, Scenario } from '../context.js';
import { runHttpLoad } from '../load/http-load.js';
import { fromHttpLoad } from '../measure.js';
import { type Measurement, unavailable } from '../measurement.js';
import { IRIS, type OnnxPayload, SILERO_VAD, SIMPLE } from '../onnx-payloads.js';

/** Clients of the batching rows: one (batching can only add its window), 16 and 64. */
const CLIENTS = [1, 16, 64];

async function load(context: BenchContext, model: string, payload: OnnxPayload, connections: number) {
  return runHttpLoad({
    url: `${context.server.http}/v2/models/${model}/infer`,
    body: payload.json,
    connections,
    warmupMs: context.config.warmupMs,
    durationMs: context.config.durationMs,
  });
}

/**
 * Adaptive batching on the bundled ONNX models over REST: the server column is the model's
 * batched copy (`max_batch_size` 32, `max_batch_time` 2 ms), the baseline column the same model
 * unbatched, in the same server process, one after the other.
 */
export const batching: Scenario = {
  id: 'batching',
  async run(context) {
    const out: Measurement[] = [];
    for (const payload of [SIMPLE, SILERO_VAD, IRIS]) {
      const batched = batchedName(payload.model);
      const id = `batching-${payload.model}`;
      const label = `ONNX ${payload.model} REST: batched (server) vs unbatched (baseline)`;
      for (const concurrency of CLIENTS) {
        const ready = context.readyModels.has(payload.model) && context.readyModels.has(batched);
        if (!ready) {
          const why = context.modelReasons.get(batched) ?? `${batched} not ready`;
          out.push(unavailable({ id, label, side: 'server', concurrency, unit: 'req/s' }, why));
          continue;
        }
        const plain = await load(context, payload.model, payload, concurrency);
        out.push(fromHttpLoad({ id, label, side: 'baseline', concurrency }, plain));
        const merged = await load(context, batched, payload, concurrency);
        out.push(fromHttpLoad({ id, label, side: 'server', concurrency }, merged));
      }
    }
    return out;
  },
};
