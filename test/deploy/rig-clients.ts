import * as grpc from '@grpc/grpc-js';
import { clientFor } from '../grpc/harness.js';

/** A REST answer with the replica the proxy sent it to (its `x-served-by` header). */
export interface Served<T = Record<string, unknown>> {
  status: number;
  servedBy: string | null;
  body: T;
}

/** POSTs JSON through the proxy with extra headers. */
export async function post<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Served<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, servedBy: res.headers.get('x-served-by'), body: JSON.parse(text) as T };
}

/**
 * A stickiness key (`x-session-id` value) that the proxy's consistent hash puts on `replica`,
 * found by asking: the test does not assume HAProxy's hash, it observes it.
 */
export async function keyOn(proxy: string, replica: string, prefix = 'key'): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const key = `${prefix}-${i}`;
    const res = await fetch(`${proxy}/v2/health/ready`, { headers: { 'x-session-id': key } });
    await res.arrayBuffer();
    if (res.headers.get('x-served-by') === replica) return key;
  }
  throw new Error(`no key among 200 lands on ${replica}`);
}

/** The accumulator's one step as a REST body; `parameters` carry the Triton sequence fields. */
export function stepBody(step: number, parameters: Record<string, unknown> = {}) {
  return {
    parameters,
    inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [step] }],
    // A state output is the server's unless asked for by name.
    outputs: [{ name: 'total' }],
  };
}

/** The `total` of an accumulator REST response. */
export function totalOf(body: Record<string, unknown>): number | undefined {
  const outputs = body.outputs as { name: string; data: number[] }[] | undefined;
  return outputs?.find((o) => o.name === 'total')?.data[0];
}

/** The accumulator's one step as a gRPC request (typed contents). */
export function grpcStep(step: number) {
  return {
    model_name: 'accumulator',
    inputs: [{ name: 'step', datatype: 'INT32', shape: [1], contents: { int_contents: [step] } }],
    outputs: [{ name: 'total' }],
  };
}

/** The `total` of an accumulator gRPC response. */
export function grpcTotal(response: unknown): number | undefined {
  const outputs = (response as { outputs?: { name: string; contents?: { int_contents?: number[] } }[] })
    .outputs;
  return outputs?.find((o) => o.name === 'total')?.contents?.int_contents?.[0];
}

/** An `inference.GRPCInferenceService` client (MLServer's protos) for `target` over h2c. */
export function inferenceClient(
  target: string,
): grpc.Client & Record<string, (...args: unknown[]) => unknown> {
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  return new Client(target, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (...args: unknown[]) => unknown>;
}

/** Metadata carrying the stickiness key. */
export function keyed(key: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-session-id', key);
  return metadata;
}

/** A unary ModelInfer, resolving with the reply and the replica (`x-served-by` response metadata). */
export function grpcInfer(
  client: object,
  request: unknown,
  metadata = new grpc.Metadata(),
): Promise<{ reply: unknown; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    let servedBy: string | undefined;
    const fn = (client as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>).ModelInfer!.bind(
      client,
    );
    const call = fn(request, metadata, { deadline: Date.now() + 20_000 }, (err: unknown, reply: unknown) =>
      err ? reject(err) : resolve({ reply, servedBy }),
    );
    call.on('metadata', (headers: grpc.Metadata) => {
      servedBy = headers.get('x-served-by')[0]?.toString();
    });
  });
}
