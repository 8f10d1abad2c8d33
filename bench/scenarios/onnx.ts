import type { BenchContext, Scenario } from '../context.js';
import { runHttpLoad } from '../load/http-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { type OnnxPayload, SILERO_VAD, SIMPLE } from '../onnx-payloads.js';
import { fromHttpLoad } from '../measure.js';
import { grpcUnaryRows } from './grpc-unary.js';

/** Why the server cannot serve this bundled model, if it cannot. */
function whyNot(context: BenchContext, model: string): string | undefined {
  if (context.readyModels.has(model)) return undefined;
  return context.modelReasons.get(model) ?? `${model} not ready`;
}

async function restRows(context: BenchContext, id: string, payload: OnnxPayload): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const concurrency of context.config.concurrencies) {
    const key = { id, label: `ONNX ${payload.model} REST infer`, side: 'server' as const, concurrency };
    const why = whyNot(context, payload.model);
    if (why) {
      out.push(unavailable({ ...key, unit: 'req/s' }, why));
      continue;
    }
    const result = await runHttpLoad({
      url: `${context.server.http}/v2/models/${payload.model}/infer`,
      body: payload.json,
      connections: concurrency,
      warmupMs: context.config.warmupMs,
      durationMs: context.config.durationMs,
    });
    out.push(fromHttpLoad(key, result));
  }
  return out;
}

async function onnxGrpcRows(context: BenchContext, id: string, payload: OnnxPayload): Promise<Measurement[]> {
  const why = whyNot(context, payload.model);
  const key = { id, label: `ONNX ${payload.model} gRPC ModelInfer` };
  if (why) {
    return context.config.concurrencies.map((concurrency) =>
      unavailable({ ...key, side: 'server', concurrency, unit: 'req/s' }, why),
    );
  }
  return grpcUnaryRows(context, key, payload.grpc, false);
}

/**
 * The bundled ONNX models (`simple`, `silero-vad`) over REST and gRPC, server only: there is no
 * bare baseline for a real model, so these rows have absolute figures and no ratio.
 */
export const onnxModels: Scenario = {
  id: 'onnx',
  async run(context) {
    const out: Measurement[] = [];
    for (const payload of [SIMPLE, SILERO_VAD]) {
      out.push(...(await restRows(context, `onnx-${payload.model}-rest`, payload)));
      out.push(...(await onnxGrpcRows(context, `onnx-${payload.model}-grpc`, payload)));
    }
    return out;
  },
};
