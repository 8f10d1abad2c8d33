import type { Scenario } from '../context.js';
import { runWrk, wrkInstalled } from '../load/wrk-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { SIDES } from '../measure.js';
import { IDENTITY_BODY } from '../payloads.js';

/**
 * The REST `infer` scenario again under wrk (Debian's `wrk`, one thread), when it is installed:
 * a cross-check of autocannon by a load generator written in C, which costs the shared cores less.
 */
export const restInferWrk: Scenario = {
  id: 'rest-infer-wrk',
  async run({ config, server, baseline, readyModels }) {
    const label = 'REST infer FP32[1,16] (wrk)';
    const installed = await wrkInstalled();
    const out: Measurement[] = [];
    // wrk takes whole seconds only.
    const seconds = Math.max(1, Math.floor(config.durationMs / 1000));
    for (const concurrency of config.concurrencies) {
      for (const side of SIDES) {
        const key = { id: this.id, label, side, concurrency };
        if (!installed || (side === 'server' && !readyModels.has('identity'))) {
          const why = installed ? 'identity model not ready' : 'wrk is not installed (apt-get install wrk)';
          out.push(unavailable({ ...key, unit: 'req/s' }, why));
          continue;
        }
        const url = `${side === 'server' ? server.http : baseline.http}/v2/models/identity/infer`;
        await runWrk(url, IDENTITY_BODY, concurrency, 1); // warm-up, not counted
        const result = await runWrk(url, IDENTITY_BODY, concurrency, seconds);
        out.push({
          ...key,
          value: result.requestsPerSecond,
          unit: 'req/s',
          higherIsBetter: true,
          count: result.requests,
          errors: result.errors,
          latency: { count: result.requests, mean: Number.NaN, max: Number.NaN, ...result.latency },
        });
      }
    }
    return out;
  },
};
