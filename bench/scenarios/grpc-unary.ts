import type { BenchContext, Scenario } from '../context.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { type GrpcInferRequest, unaryOp } from '../load/grpc-load.js';
import type { Measurement } from '../measurement.js';
import { fromClosedLoop } from '../measure.js';
import { grpcRows } from './grpc-rows.js';
import { rawRequest, typedRequest } from '../payloads.js';

/**
 * Runs a closed-loop `ModelInfer` load on both sides for each concurrency. Shared by the
 * identity (typed, raw) and ONNX scenarios; `withBaseline: false` measures the server only.
 */
export function grpcUnaryRows(
  context: BenchContext,
  key: { id: string; label: string },
  request: GrpcInferRequest,
  withBaseline = true,
): Promise<Measurement[]> {
  const spec = { ...key, unit: 'req/s', model: request.model_name, withBaseline };
  return grpcRows(context, spec, async (client, concurrency, rowKey, onWindow) => {
    const { config } = context;
    const result = await runClosedLoop({
      concurrency,
      warmupMs: config.warmupMs,
      durationMs: config.durationMs,
      op: unaryOp(client, request),
      onWindow,
    });
    return fromClosedLoop(rowKey, 'req/s', result);
  });
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
