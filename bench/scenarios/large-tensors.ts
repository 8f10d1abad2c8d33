import type { BenchContext, Scenario } from '../context.js';
import { connect, isAnswer, waitForReady } from '../load/grpc-load.js';
import { runSequential, type SequentialResult } from '../load/sequential.js';
import { type Measurement, type Side, unavailable } from '../measurement.js';
import { SIDES } from '../measure.js';
import { binaryBody, largeJsonBody, largeTensor, rawRequest } from '../payloads.js';
import { megabytesPerSecond, summariseLatencies } from '../stats.js';

/** The transports a large tensor is sent over. */
type Transport = 'json' | 'binary' | 'grpc-raw';

const LABELS: Record<Transport, string> = {
  json: 'REST JSON',
  binary: 'REST binary',
  'grpc-raw': 'gRPC raw',
};

/** POSTs a body and reads the whole answer; ok on 200. */
async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<boolean> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const bytes = await res.arrayBuffer();
  return res.ok && bytes.byteLength > 0;
}

function toMeasurement(
  key: Omit<Measurement, 'value' | 'unit' | 'higherIsBetter' | 'count' | 'errors'>,
  bytes: number,
  result: SequentialResult,
): Measurement {
  return {
    ...key,
    value: megabytesPerSecond(bytes * result.count, result.elapsedMs),
    unit: 'MB/s',
    higherIsBetter: true,
    count: result.count,
    errors: result.errors,
    latency: summariseLatencies(result.latencies),
  };
}

/** Why a side cannot take this transport, if it cannot (the baselines speak all three). */
function whyUnavailable(context: BenchContext, transport: Transport, side: Side): string | undefined {
  if (transport === 'grpc-raw' && (!context.proto || !context.baseline.grpc)) return 'no gRPC proto';
  if (side === 'baseline') return undefined;
  if (!context.readyModels.has('identity')) return 'identity model not ready';
  if (transport === 'binary' && !context.extensions.includes('binary_tensor_data')) {
    return 'server does not list the binary_tensor_data extension';
  }
  if (transport === 'grpc-raw')
    return context.grpcUnavailable ?? (context.server.grpc ? undefined : 'no gRPC listener');
  return undefined;
}

async function measureSide(
  context: BenchContext,
  transport: Transport,
  side: Side,
  values: Float32Array,
  count: number,
): Promise<SequentialResult> {
  const endpoints = side === 'server' ? context.server : context.baseline;
  const url = `${endpoints.http}/v2/models/identity/infer`;
  if (transport === 'json') {
    const body = largeJsonBody(values);
    return runSequential(count, () => post(url, body, { 'content-type': 'application/json' }));
  }
  if (transport === 'binary') {
    const { body, headerLength } = binaryBody(values);
    const headers = {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(headerLength),
    };
    return runSequential(count, () => post(url, body, headers));
  }
  const client = connect(context.proto!, endpoints.grpc!);
  try {
    await waitForReady(client.client, 5000);
    const request = rawRequest('identity', values);
    return await runSequential(
      count,
      () =>
        new Promise<boolean>((resolve) => {
          client.ModelInfer(request, {}, (err, response) => resolve(!err && isAnswer(response)));
        }),
    );
  } finally {
    client.client.close();
  }
}

/**
 * Large FP32 tensors (4 MB, 64 MB) through the identity model over JSON REST, binary REST and raw
 * gRPC, one client, a fixed number of requests. MB/s counts the tensor once per round trip (it
 * travels to the server and back).
 */
export const largeTensors: Scenario = {
  id: 'large',
  async run(context) {
    const out: Measurement[] = [];
    for (const bytes of context.config.largeSizes) {
      const values = largeTensor(bytes);
      const size = `${Math.round(bytes / 2 ** 20)} MB`;
      for (const transport of ['json', 'binary', 'grpc-raw'] as const) {
        for (const side of SIDES) {
          const key = {
            id: `large-${transport}-${Math.round(bytes / 2 ** 20)}mb`,
            label: `${LABELS[transport]} FP32 ${size}`,
            side,
            concurrency: 1,
          };
          const why = whyUnavailable(context, transport, side);
          if (why) {
            out.push(unavailable({ ...key, unit: 'MB/s' }, why));
            continue;
          }
          const count = context.config.largeRequests[bytes] ?? 1;
          out.push(toMeasurement(key, bytes, await measureSide(context, transport, side, values, count)));
        }
      }
    }
    return out;
  },
};
