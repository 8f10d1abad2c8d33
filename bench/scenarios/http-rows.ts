import type { BenchContext, Endpoints } from '../context.js';
import { type Measurement, type Side, unavailable } from '../measurement.js';
import type { MeasurementKey } from '../measure.js';
import { readCpuMicros } from '../processes.js';

/** One REST or SSE scenario's rows: what it measures, in which unit, on which model. */
export interface HttpRowSpec {
  id: string;
  label: string;
  unit: string;
  model: string;
  /** Why the scenario cannot run at all here (a load tool missing), if it cannot. */
  unavailable?: string;
}

/** How one side is measured: its base URL; `onWindow` brackets the counted window (for CPU time). */
export type HttpMeasure = (
  base: string,
  concurrency: number,
  key: MeasurementKey,
  onWindow: (phase: 'start' | 'end') => void,
) => Promise<Measurement>;

/**
 * The loop every REST and SSE scenario shares: for each concurrency, each side in run order —
 * the bare `node:http` baseline, the express baseline, the `--compare` build when there is one,
 * this server — report "not available" when the model is not ready, otherwise measure. Each
 * figure gets `cpuUsPerOp`: CPU time the measured process spent per completed operation in the
 * counted window, which the load generator sharing the cores distorts much less than throughput.
 */
export async function httpRows(
  context: BenchContext,
  spec: HttpRowSpec,
  measure: HttpMeasure,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const concurrency of context.config.concurrencies) {
    for (const side of httpSides(context)) {
      const key = { id: spec.id, label: spec.label, side, concurrency };
      const { endpoints, why } = httpTarget(context, side, spec.model);
      if (spec.unavailable || why || !endpoints) {
        out.push(unavailable({ ...key, unit: spec.unit }, spec.unavailable ?? why ?? 'not started'));
        continue;
      }
      const cpu = { start: Number.NaN, end: Number.NaN };
      const measured = await measure(endpoints.http, concurrency, key, (phase) => {
        cpu[phase] = readCpuMicros(endpoints.httpPid);
      });
      out.push(withCpu(measured, cpu.end - cpu.start));
    }
  }
  return out;
}

/** The sides a REST or SSE row measures, in run order. */
export function httpSides(context: BenchContext): Side[] {
  const sides: Side[] = ['baseline'];
  if (context.express) sides.push('express');
  if (context.compare) sides.push('compare');
  sides.push('server');
  return sides;
}

function httpTarget(
  context: BenchContext,
  side: Side,
  model: string,
): { endpoints: Endpoints | undefined; why?: string } {
  switch (side) {
    case 'baseline':
      return { endpoints: context.baseline };
    case 'express':
      return { endpoints: context.express };
    case 'compare': {
      const ready = context.compare?.readyModels.has(model);
      return { endpoints: context.compare, why: ready ? undefined : `${model} model not ready` };
    }
    case 'server':
      return {
        endpoints: context.server,
        why: context.readyModels.has(model) ? undefined : `${model} model not ready`,
      };
  }
}

/** Adds the process's CPU microseconds per completed operation to a measurement's extras. */
function withCpu(measurement: Measurement, cpuMicros: number): Measurement {
  if (!Number.isFinite(cpuMicros) || measurement.count === 0) return measurement;
  return { ...measurement, extra: { ...measurement.extra, cpuUsPerOp: cpuMicros / measurement.count } };
}
