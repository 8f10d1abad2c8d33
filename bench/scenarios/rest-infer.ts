import type { Scenario } from '../context.js';
import { runHttpLoad } from '../load/http-load.js';
import { fromHttpLoad } from '../measure.js';
import { IDENTITY_BODY } from '../payloads.js';
import { httpRows } from './http-rows.js';

/**
 * REST `infer` on the identity model with the FP32 [1,16] body, through autocannon,
 * against the bare `node:http` and the express baselines.
 */
export const restInfer: Scenario = {
  id: 'rest-infer',
  run(context) {
    const { config } = context;
    const spec = { id: this.id, label: 'REST infer FP32[1,16]', unit: 'req/s', model: 'identity' };
    return httpRows(context, spec, async (base, concurrency, key, onWindow) =>
      fromHttpLoad(
        key,
        await runHttpLoad({
          url: `${base}/v2/models/identity/infer`,
          body: IDENTITY_BODY,
          connections: concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
          onWindow,
        }),
      ),
    );
  },
};
