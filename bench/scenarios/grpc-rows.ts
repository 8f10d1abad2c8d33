import type { BenchContext } from '../context.js';
import { connect, type InferenceClient, waitForReady } from '../load/grpc-load.js';
import { type Measurement, type Side, unavailable } from '../measurement.js';
import { type MeasurementKey, SIDES } from '../measure.js';
import { readCpuMicros } from '../processes.js';

/** One gRPC scenario's rows: what it measures, in which unit, on which model. */
export interface GrpcRowSpec {
  id: string;
  label: string;
  unit: string;
  model: string;
  /** False measures the server only (no bare baseline exists, e.g. ONNX). */
  withBaseline?: boolean;
}

/**
 * The loop every gRPC scenario shares: for each concurrency and side (baseline, the `--compare`
 * build when there is one, this server), report "not available" when the listener or model is
 * missing, otherwise connect, wait for the channel, measure with `measure` (which hands
 * `onWindow` to its closed loop), and close the client. Each figure gets `cpuUsPerOp`: CPU time
 * the measured process spent per completed operation in the window, which the load generator
 * sharing the cores distorts much less than throughput.
 */
export async function grpcRows(
  context: BenchContext,
  spec: GrpcRowSpec,
  measure: (
    client: InferenceClient,
    concurrency: number,
    key: MeasurementKey,
    onWindow: (phase: 'start' | 'end') => void,
  ) => Promise<Measurement>,
): Promise<Measurement[]> {
  const { config, proto } = context;
  const out: Measurement[] = [];
  for (const concurrency of config.concurrencies) {
    for (const side of grpcSides(context, spec.withBaseline !== false)) {
      const key = { id: spec.id, label: spec.label, side, concurrency };
      const { address, pid, why } = grpcTarget(context, side, spec.model);
      if (!proto || !address || why) {
        out.push(unavailable({ ...key, unit: spec.unit }, why ?? 'no gRPC listener'));
        continue;
      }
      const client = connect(proto, address);
      try {
        await waitForReady(client.client, 5000);
        const cpu = { start: Number.NaN, end: Number.NaN };
        const measured = await measure(client, concurrency, key, (phase) => {
          cpu[phase] = readCpuMicros(pid);
        });
        out.push(withCpu(measured, cpu.end - cpu.start));
      } finally {
        client.client.close();
      }
    }
  }
  return out;
}

/** Where one side of a gRPC row listens, its process, and why it cannot be measured (if it cannot). */
export function grpcTarget(context: BenchContext, side: Side, model: string) {
  const endpoints =
    side === 'server' ? context.server : side === 'compare' ? context.compare : context.baseline;
  const ready = side === 'compare' ? context.compare?.readyModels : context.readyModels;
  // The baseline answers any model; a server side needs its gRPC listener and the model ready.
  const why =
    side === 'baseline'
      ? undefined
      : (context.grpcUnavailable ?? (ready?.has(model) ? undefined : `model ${model} not ready`));
  return { address: endpoints?.grpc, pid: endpoints?.grpcPid, why };
}

/** The sides a gRPC row measures, in run order: baseline, the `--compare` build, this server. */
export function grpcSides(context: BenchContext, withBaseline: boolean): Side[] {
  const sides = withBaseline ? [...SIDES] : (['server'] as Side[]);
  if (context.compare) sides.splice(sides.indexOf('server'), 0, 'compare');
  return sides;
}

/** Adds the process's CPU microseconds per completed operation to a measurement's extras. */
/** Adds `cpuUsPerOp` (CPU time of the measured process per completed operation) to a figure. */
export function withCpu(measurement: Measurement, cpuMicros: number): Measurement {
  if (!Number.isFinite(cpuMicros) || measurement.count === 0) return measurement;
  return { ...measurement, extra: { ...measurement.extra, cpuUsPerOp: cpuMicros / measurement.count } };
}
