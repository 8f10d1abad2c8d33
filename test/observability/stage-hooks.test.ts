import { Call, type CallObserver } from '../../server/call.js';
import { observeAll } from '../../server/call-observer.js';
import { CallMetrics } from '../../server/metrics/call-metrics.js';
import { parseMetrics, sum } from '../helpers/metrics-scrape.js';

/** The hooks the execution stage calls: queue time per request, size per batch. */
describe('execution stage hooks', () => {
  const metrics = new CallMetrics({
    restPrefix: 'rest_server',
    appName: 'test',
    resolveModel: (name, version) => (name === 'm' ? (version ?? '1') : undefined),
  });
  const observer = observeAll([metrics]) as CallObserver;

  test('call.queued(seconds) and observer.onBatch(ref, size) feed the queue and batch histograms', async () => {
    const call = new Call(
      { transport: 'rest', operation: 'POST /v2/models/:name/infer', headers: {} },
      new AbortController().signal,
      observer,
    );
    call.model = { name: 'm' };
    call.queued(0.004);
    observer.onBatch?.({ name: 'm' }, 8);
    observer.onBatch?.({ name: 'made-up' }, 2);
    call.end();
    const samples = parseMetrics(await metrics.registry.metrics());
    const labels = { model: 'm', version: '1' };
    expect(call.queueSeconds).toBe(0.004);
    expect(sum(samples, 'model_infer_queue_duration_seconds_count', labels)).toBe(1);
    expect(sum(samples, 'model_infer_queue_duration_seconds_sum', labels)).toBe(0.004);
    expect(sum(samples, 'model_infer_batch_size_sum', labels)).toBe(8);
    expect(sum(samples, 'model_infer_batch_size_count', { model: '_unknown' })).toBe(1);
  });

  test('a throwing observer never breaks a call', () => {
    const throwing = observeAll([
      {
        onCallStart() {
          throw new Error('boom');
        },
        onRuntimeCall() {
          throw new Error('boom');
        },
      },
    ]);
    const call = new Call({ transport: 'grpc', headers: {} }, new AbortController().signal, throwing);
    expect(call.runtimeCall('predict').traceparent).toBeUndefined();
    call.end();
  });
});
