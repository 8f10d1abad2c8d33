import type { BenchContext, Scenario } from '../context.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { connect, type GrpcInferRequest, unaryOp, waitForReady } from '../load/grpc-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { fromClosedLoop, SIDES } from '../measure.js';
import { rawRequest, typedRequest } from '../payloads.js';

/**
 * Runs a closed-loop `ModelInfer` load on both sides for each concurrency. Shared by the
 * identity (typed, raw) and ONNX scenarios; `withBaseline: false` measures the server only.
 */
export async function grpcUnaryRows(
  context: BenchContext,
  key: { id: string; label: string },
  request: GrpcInferRequest,
  withBaseline = true,
): Promise<Measurement[]> {
  const { config, proto } = context;
  const out: Measurement[] = [];
  for (const concurrency of config.concurrencies) {
    for (const side of withBaseline ? SIDES : (['server'] as const)) {
      const rowKey = { ...key, side, concurrency };
      const address = side === 'server' ? context.server.grpc : context.baseline.grpc;
      const why =
        context.grpcUnavailable ??
        (context.readyModels.has(request.model_name) ? undefined : `model ${request.model_name} not ready`);
      if (!proto || !address || (side === 'server' && why)) {
        out.push(unavailable({ ...rowKey, unit: 'req/s' }, why ?? 'no gRPC listener'));
        continue;
      }
      const client = connect(proto, address);
      try {
        await waitForReady(client.client, 5000);
        const result = await runClosedLoop({
          concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
          op: unaryOp(client, request),
        });
        out.push(fromClosedLoop(rowKey, 'req/s', result));
      } finally {
        client.client.close();
      }
    }
  }
  return out;
}

/** gRPC `ModelInfer` on the identity model, FP32 [1,16] in typed contents (`fp32_contents`). */
export const grpcInferTyped: Scenario = {
  id: 'grpc-infer-typed',
  run(context) {
    return grpcUnaryRows(
      context,
      { id: this.id, label: 'gRPC ModelInfer typed FP32[1,16]' },
      typedRequest('identity'),
    );
  },
};

/** gRPC `ModelInfer` on the identity model, FP32 [1,16] in `raw_input_contents`. */
export const grpcInferRaw: Scenario = {
  id: 'grpc-infer-raw',
  run(context) {
    return grpcUnaryRows(
      context,
      { id: this.id, label: 'gRPC ModelInfer raw FP32[1,16]' },
      rawRequest('identity'),
    );
  },
};
