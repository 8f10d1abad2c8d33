import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import WebSocket from 'ws';

const PROTOS = path.resolve(import.meta.dirname, '../../protos');
const LOADER: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTOS],
};

type Service = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** A gRPC client of `inference.GRPCInferenceService` on `target` (either flavour's port). */
export function inferenceClient(target: string): Service {
  const root = grpc.loadPackageDefinition(protoLoader.loadSync('inference/dataplane.proto', LOADER));
  const Client = (root.inference as Record<string, grpc.ServiceClientConstructor>).GRPCInferenceService!;
  return new Client(target, grpc.credentials.createInsecure(), {
    // Every client its own connection: the suites count connections.
    'grpc.use_local_subchannel_pool': 1,
  }) as Service;
}

/** A ticker request: `count` responses (endless when omitted) of `bytes` bytes, `delayMs` apart. */
export function tickerParameters(options: { count?: number; bytes?: number; delayMs?: number }) {
  return {
    ...(options.count !== undefined ? { count: options.count } : {}),
    bytes: options.bytes ?? 16,
    delay_ms: options.delayMs ?? 0,
  };
}

/** The same as gRPC `InferParameter`s. */
export function grpcParameters(parameters: Record<string, number>) {
  return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { int64_param: v }]));
}

/** A JSON ticker request for REST, SSE and WebSocket. */
export function tickerRequest(parameters: Record<string, number>, id = 'tick') {
  return { id, parameters, inputs: [{ name: 'x', datatype: 'UINT8', shape: [1], data: [1] }] };
}

/** A gRPC ticker request. */
export function grpcTickerRequest(parameters: Record<string, number>, id = 'tick') {
  return {
    model_name: 'ticker',
    id,
    parameters: grpcParameters(parameters),
    inputs: [{ name: 'x', datatype: 'UINT8', shape: [1], contents: { uint_contents: [1] } }],
  };
}

/** An SSE stream over a connection of its own; resolves once its first event arrived. */
export function openSse(
  base: string,
  model: string,
  body: unknown,
): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/v2/models/${model}/infer_stream`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SSE answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.once('data', () => resolve({ req, res }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** A WebSocket session; resolves once its first message arrived. */
export function openWs(base: string, model: string, request: unknown): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v2/models/${model}/infer_stream`);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.once('open', () => ws.send(JSON.stringify(request)));
    ws.once('message', () => resolve(ws));
  });
}

/** A gRPC ModelStreamInfer call; resolves once its first reply arrived. */
export function openGrpcStream(
  client: Service,
  request: unknown,
): Promise<grpc.ClientDuplexStream<unknown, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client.ModelStreamInfer!() as grpc.ClientDuplexStream<unknown, unknown>;
    call.once('error', reject);
    call.once('data', () => resolve(call));
    call.write(request);
  });
}

/** How a request ended: an answer, or a connection broken before one. */
export type Answer = { status: number; text: string } | { reset: string };

/** POSTs JSON over a connection of its own; `signal` gives up (resolves with the reset). */
export function postOnce(url: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, signal },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, text }));
        res.on('error', (err) => resolve({ reset: err.message }));
      },
    );
    req.on('error', (err) => resolve({ reset: err.message }));
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** A unary gRPC call; resolves with its status code (0 for OK) and details. */
export function grpcUnary(
  client: Service,
  method: string,
  request: unknown,
  options: { signal?: AbortSignal } = {},
): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    const call = client[method]!(request, (err: grpc.ServiceError | null) =>
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }),
    ) as grpc.ClientUnaryCall;
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

/** The label of an answer for the figures: its status, or `reset`. */
export function outcomeOf(answer: Answer): string {
  return 'status' in answer ? String(answer.status) : 'reset';
}

/** GETs a URL over a connection that closes after the answer; resolves with the status (0: failed). */
export function getOnce(url: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', () => resolve(0));
  });
}
