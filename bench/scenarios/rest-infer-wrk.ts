import type { Scenario } from '../context.js';
import { runWrk, type WrkResult, wrkInstalled } from '../load/wrk-load.js';
import type { Measurement } from '../measurement.js';
import type { MeasurementKey } from '../measure.js';
import { IDENTITY_BODY } from '../payloads.js';
import { type HttpMeasure, httpRows } from './http-rows.js';

/** A wrk run as a measurement of `unit` per second. */
function fromWrk(key: MeasurementKey, unit: string, result: WrkResult): Measurement {
  return {
    ...key,
    value: result.requestsPerSecond,
    unit,
    higherIsBetter: true,
    count: result.requests,
    errors: result.errors,
    latency: { count: result.requests, mean: Number.NaN, max: Number.NaN, ...result.latency },
  };
}

/**
 * A wrk measurement of POSTing the identity body to `path`: one unmeasured second of warm-up,
 * then whole seconds (wrk takes no fractions).
 */
export function wrkMeasure(path: string, unit: string, durationMs: number): HttpMeasure {
  const seconds = Math.max(1, Math.floor(durationMs / 1000));
  return async (base, concurrency, key, onWindow) => {
    const url = `${base}${path}`;
    await runWrk(url, IDENTITY_BODY, concurrency, 1);
    onWindow('start');
    const result = await runWrk(url, IDENTITY_BODY, concurrency, seconds);
    onWindow('end');
    return fromWrk(key, unit, result);
  };
}

/**
 * The REST `infer` scenario again under wrk (Debian's `wrk`, one thread), when it is installed:
 * a cross-check of autocannon by a load generator written in C, which costs the shared cores less.
 */
export const restInferWrk: Scenario = {
  id: 'rest-infer-wrk',
  async run(context) {
    const spec = {
      id: this.id,
      label: 'REST infer FP32[1,16] (wrk)',
      unit: 'req/s',
      model: 'identity',
      unavailable: (await wrkInstalled()) ? undefined : 'wrk is not installed (apt-get install wrk)',
    };
    return httpRows(
      context,
      spec,
      wrkMeasure('/v2/models/identity/infer', 'req/s', context.config.durationMs),
    );
  },
};

/**
 * SSE `generate_stream` of six events per request under wrk: each stream is one request wrk
 * reads to its end (chunked); the event count is checked by the `sse-stream6` row's client.
 */
export const sseGenerateStreamWrk: Scenario = {
  id: 'sse-stream6-wrk',
  async run(context) {
    const spec = {
      id: this.id,
      label: 'SSE generate_stream 6 events (wrk)',
      unit: 'streams/s',
      model: 'stream6',
      unavailable: (await wrkInstalled()) ? undefined : 'wrk is not installed (apt-get install wrk)',
    };
    return httpRows(
      context,
      spec,
      wrkMeasure('/v2/models/stream6/generate_stream', 'streams/s', context.config.durationMs),
    );
  },
};
