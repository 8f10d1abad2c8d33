import type { Scenario } from '../context.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { openWsSessions } from '../load/ws-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { fromClosedLoop, SIDES } from '../measure.js';
import { IDENTITY_BODY } from '../payloads.js';
import { readCpuMicros } from '../processes.js';
import { withCpu } from './grpc-rows.js';

/**
 * One long WebSocket session per client (`GET …/identity/infer_stream` with Upgrade) carrying
 * request after request, one response each; messages (responses) per second. Baseline: a bare
 * `ws` server on the node:http baseline's port that parses each message and answers the same
 * JSON. On the server every message is a request of a session of the identity model: decoded,
 * validated, queued, run through the model's execution stage, encoded. Each figure gets
 * `cpuUsPerOp`, the measured process's CPU time per message, steadier than throughput on shared cores.
 */
export const wsLongSession: Scenario = {
  id: 'ws-long-session',
  async run({ config, server, baseline, readyModels }) {
    const label = 'WebSocket long session, 1 response/request';
    const out: Measurement[] = [];
    for (const concurrency of config.concurrencies) {
      for (const side of SIDES) {
        const key = { id: this.id, label, side, concurrency };
        if (side === 'server' && !readyModels.has('identity')) {
          out.push(unavailable({ ...key, unit: 'msg/s' }, 'identity model not ready'));
          continue;
        }
        const target = side === 'server' ? server : baseline;
        const base = target.http.replace(/^http/, 'ws');
        const sessions = await openWsSessions(
          `${base}/v2/models/identity/infer_stream`,
          IDENTITY_BODY,
          concurrency,
        );
        try {
          const cpu = { start: Number.NaN, end: Number.NaN };
          const result = await runClosedLoop({
            concurrency,
            warmupMs: config.warmupMs,
            durationMs: config.durationMs,
            op: sessions.op,
            onWindow: (phase) => {
              cpu[phase] = readCpuMicros(target.httpPid);
            },
          });
          out.push(withCpu(fromClosedLoop(key, 'msg/s', result), cpu.end - cpu.start));
        } finally {
          sessions.close();
        }
      }
    }
    return out;
  },
};
