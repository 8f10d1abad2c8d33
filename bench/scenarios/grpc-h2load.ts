import type { ServiceDefinition } from '@grpc/grpc-js';
import type { BenchContext, Scenario } from '../context.js';
import type { GrpcInferRequest } from '../load/grpc-load.js';
import { grpcFrame, h2loadInstalled, runH2load } from '../load/h2load-load.js';
import { type Measurement, unavailable } from '../measurement.js';
import { typedRequest } from '../payloads.js';
import { readCpuMicros } from '../processes.js';
import { grpcSides, grpcTarget } from './grpc-rows.js';

/** One h2load row family: a method, the request every call sends, and what a call counts as. */
interface H2loadSpec {
  id: string;
  label: string;
  method: string;
  request: GrpcInferRequest;
  unit: string;
}

/**
 * gRPC calls driven by h2load (Debian's `nghttp2-client`), when it is installed: one connection,
 * 1 or 16 calls in flight, each call one framed request then half-close. A load generator in C
 * takes far less of the shared cores than the grpc-js client, so these rows show the servers
 * closer to their own limits (the MLServer figures were taken with h2load). A probe call
 * first learns how many DATA bytes an answer carries; calls that got fewer (a gRPC error is a
 * 2xx with no message) are counted as errors.
 */
async function h2loadRows(context: BenchContext, spec: H2loadSpec): Promise<Measurement[]> {
  const { config, proto } = context;
  const installed = await h2loadInstalled();
  const seconds = Math.max(1, Math.floor(config.durationMs / 1000));
  const out: Measurement[] = [];
  for (const concurrency of config.concurrencies) {
    for (const side of grpcSides(context, true)) {
      const key = { id: spec.id, label: spec.label, side, concurrency };
      const { address, pid, why } = grpcTarget(context, side, spec.request.model_name);
      if (!installed || !proto || !address || why) {
        const reason = installed
          ? (why ?? 'no gRPC listener')
          : 'h2load is not installed (apt-get install nghttp2-client)';
        out.push(unavailable({ ...key, unit: spec.unit }, reason));
        continue;
      }
      const service = proto.service.service as ServiceDefinition;
      const body = grpcFrame(service.ModelInfer!.requestSerialize(spec.request));
      const base = { address, method: spec.method, body };
      const probe = await runH2load({ ...base, streams: 1, requests: 1 });
      if (probe.dataBytes === 0) {
        out.push(
          unavailable({ ...key, unit: spec.unit }, 'the probe call got no message back (a gRPC error)'),
        );
        continue;
      }
      await runH2load({ ...base, streams: concurrency, seconds: 1 }); // warm-up, not counted
      const cpuBefore = readCpuMicros(pid);
      const result = await runH2load({ ...base, streams: concurrency, seconds });
      const cpu = readCpuMicros(pid) - cpuBefore;
      const answered = Math.min(result.succeeded, Math.floor(result.dataBytes / probe.dataBytes));
      out.push({
        ...key,
        value: answered / result.seconds,
        unit: spec.unit,
        higherIsBetter: true,
        count: answered,
        errors: result.failed + (result.succeeded - answered),
        latency: {
          count: answered,
          mean: result.meanMs,
          p50: Number.NaN,
          p90: Number.NaN,
          p99: Number.NaN,
          max: Number.NaN,
        },
        extra: Number.isFinite(cpu) && answered > 0 ? { cpuUsPerOp: cpu / answered } : undefined,
      });
    }
  }
  return out;
}

/** `ModelInfer` on the identity model, FP32 [1,16] in typed contents, under h2load. */
export const grpcInferH2load: Scenario = {
  id: 'grpc-infer-h2load',
  run(context) {
    return h2loadRows(context, {
      id: this.id,
      label: 'gRPC ModelInfer typed FP32[1,16] (h2load)',
      method: '/inference.GRPCInferenceService/ModelInfer',
      request: typedRequest('identity'),
      unit: 'req/s',
    });
  },
};

/** `ModelStreamInfer`, one request per call and six responses, under h2load. */
export const grpcStream6H2load: Scenario = {
  id: 'grpc-stream6-h2load',
  run(context) {
    return h2loadRows(context, {
      id: this.id,
      label: 'gRPC ModelStreamInfer 6 responses (h2load)',
      method: '/inference.GRPCInferenceService/ModelStreamInfer',
      request: typedRequest('stream6'),
      unit: 'streams/s',
    });
  },
};
