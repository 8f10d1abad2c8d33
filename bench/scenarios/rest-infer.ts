import type { Scenario } from '../context.js';
import { runHttpLoad } from '../load/http-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { fromHttpLoad, SIDES } from '../measure.js';
import { IDENTITY_BODY } from '../payloads.js';

/** REST `infer` on the identity model with the FP32 [1,16] body, through autocannon. */
export const restInfer: Scenario = {
  id: 'rest-infer',
  async run({ config, server, baseline, readyModels }) {
    const label = 'REST infer FP32[1,16]';
    const out: Measurement[] = [];
    for (const concurrency of config.concurrencies) {
      for (const side of SIDES) {
        const key = { id: this.id, label, side, concurrency };
        if (side === 'server' && !readyModels.has('identity')) {
          out.push(unavailable({ ...key, unit: 'req/s' }, 'identity model not ready'));
          continue;
        }
        const base = side === 'server' ? server.http : baseline.http;
        const result = await runHttpLoad({
          url: `${base}/v2/models/identity/infer`,
          body: IDENTITY_BODY,
          connections: concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
        });
        out.push(fromHttpLoad(key, result));
      }
    }
    return out;
  },
};
