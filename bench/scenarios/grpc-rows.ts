import type { BenchContext } from '../context.js';
import { connect, type InferenceClient, waitForReady } from '../load/grpc-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { type MeasurementKey, SIDES } from '../measure.js';

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
 * The loop every gRPC scenario shares: for each concurrency and side, report "not available"
 * when the listener or model is missing, otherwise connect, wait for the channel, measure with
 * `measure`, and close the client.
 */
export async function grpcRows(
  context: BenchContext,
  spec: GrpcRowSpec,
  measure: (client: InferenceClient, concurrency: number, key: MeasurementKey) => Promise<Measurement>,
): Promise<Measurement[]> {
  const { config, proto } = context;
  const out: Measurement[] = [];
  for (const concurrency of config.concurrencies) {
    for (const side of spec.withBaseline === false ? (['server'] as const) : SIDES) {
      const key = { id: spec.id, label: spec.label, side, concurrency };
      const address = side === 'server' ? context.server.grpc : context.baseline.grpc;
      const why =
        context.grpcUnavailable ??
        (context.readyModels.has(spec.model) ? undefined : `model ${spec.model} not ready`);
      if (!proto || !address || (side === 'server' && why)) {
        out.push(unavailable({ ...key, unit: spec.unit }, why ?? 'no gRPC listener'));
        continue;
      }
      const client = connect(proto, address);
      try {
        await waitForReady(client.client, 5000);
        out.push(await measure(client, concurrency, key));
      } finally {
        client.client.close();
      }
    }
  }
  return out;
}
