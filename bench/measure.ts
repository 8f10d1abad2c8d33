import type { ClosedLoopResult } from './load/closed-loop.js';
import type { HttpLoadResult } from './load/http-load.js';
import type { Measurement, Side } from './measurement.js';
import { perSecond, summariseLatencies } from './stats.js';

/** The identifying part of a measurement. */
export type MeasurementKey = Pick<Measurement, 'id' | 'label' | 'side' | 'concurrency'>;

/** Turns a closed-loop run into a measurement of operations per second in `unit`. */
export function fromClosedLoop(key: MeasurementKey, unit: string, result: ClosedLoopResult): Measurement {
  const extra: Record<string, number> = {};
  if (result.messages !== result.count) extra.msgPerS = perSecond(result.messages, result.elapsedMs);
  if (result.firstMessageLatencies.length > 0) {
    extra.firstMsgP50Ms = summariseLatencies(result.firstMessageLatencies).p50;
  }
  return {
    ...key,
    value: perSecond(result.count, result.elapsedMs),
    unit,
    higherIsBetter: true,
    count: result.count,
    errors: result.errors,
    latency: summariseLatencies(result.latencies),
    extra: Object.keys(extra).length ? extra : undefined,
  };
}

/** Both sides of a scenario, in the order they are run (baseline first, then server). */
export const SIDES: readonly Side[] = ['baseline', 'server'];

/** Turns an autocannon run into a measurement of requests per second. */
export function fromHttpLoad(key: MeasurementKey, result: HttpLoadResult): Measurement {
  return {
    ...key,
    value: perSecond(result.count, result.elapsedMs),
    unit: 'req/s',
    higherIsBetter: true,
    count: result.count,
    errors: result.errors,
    latency: result.latency,
  };
}
