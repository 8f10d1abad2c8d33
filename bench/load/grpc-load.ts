import * as grpc from '@grpc/grpc-js';
import type { OpOutcome } from './closed-loop.js';
import { type InferenceProto, UNLIMITED_MESSAGES } from './grpc-proto.js';

/** A `ModelInferRequest` as proto-loader takes it (snake_case fields). */
export interface GrpcInferRequest {
  model_name: string;
  inputs: { name: string; datatype: string; shape: number[]; contents?: Record<string, unknown> }[];
  raw_input_contents?: Buffer[];
}

/** A response as proto-loader gives it; stream responses may wrap it in `infer_response`. */
export interface GrpcInferResponse {
  outputs?: unknown[];
  raw_output_contents?: Buffer[];
  infer_response?: GrpcInferResponse;
  error_message?: string;
}

type UnaryMethod = (
  request: GrpcInferRequest,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: GrpcInferResponse) => void,
) => grpc.ClientUnaryCall;

/** The two calls the bench makes, typed. */
export interface InferenceClient {
  client: grpc.Client;
  ModelInfer: UnaryMethod;
  ModelStreamInfer: () => grpc.ClientDuplexStream<GrpcInferRequest, GrpcInferResponse>;
}

/** Opens one channel to `address` (a run's concurrent calls share it, as HTTP/2 streams). */
export function connect(
  proto: InferenceProto,
  address: string,
  options: grpc.ChannelOptions = {},
): InferenceClient {
  const client = new proto.service(address, grpc.credentials.createInsecure(), {
    ...UNLIMITED_MESSAGES,
    ...options,
  });
  const methods = client as unknown as Omit<InferenceClient, 'client'>;
  return {
    client,
    ModelInfer: methods.ModelInfer.bind(client),
    ModelStreamInfer: methods.ModelStreamInfer.bind(client),
  };
}

/** Resolves when the channel is connected (or rejects after `timeoutMs`). */
export function waitForReady(client: grpc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
  });
}

/** A response counts as an answer when it carries outputs or raw outputs and no in-band error. */
export function isAnswer(response: GrpcInferResponse | undefined): boolean {
  const inner = response?.infer_response ?? response;
  if (!inner || response?.error_message) return false;
  return (inner.outputs?.length ?? 0) > 0 || (inner.raw_output_contents?.length ?? 0) > 0;
}

/** One `ModelInfer` call. */
export function unaryOp(client: InferenceClient, request: GrpcInferRequest): () => Promise<OpOutcome> {
  return () =>
    new Promise((resolve) => {
      client.ModelInfer(request, {}, (err, response) => resolve({ ok: !err && isAnswer(response) }));
    });
}

/** One `ModelStreamInfer` call carrying one request, read until the server ends it. */
export function streamPerRequestOp(
  client: InferenceClient,
  request: GrpcInferRequest,
  expected: number,
): () => Promise<OpOutcome> {
  return () =>
    new Promise((resolve) => {
      const begun = performance.now();
      let firstMessageMs: number | undefined;
      let messages = 0;
      let bad = false;
      const call = client.ModelStreamInfer();
      call.on('data', (response: GrpcInferResponse) => {
        firstMessageMs ??= performance.now() - begun;
        if (!isAnswer(response)) bad = true;
        messages++;
      });
      call.on('error', () => resolve({ ok: false, messages }));
      call.on('end', () => resolve({ ok: !bad && messages === expected, messages, firstMessageMs }));
      call.write(request);
      call.end();
    });
}

/**
 * Long-lived streams, one per worker: each operation writes one request on the worker's stream
 * and waits for its `expected` responses. Call `close()` after the run.
 */
export function longLivedStreams(client: InferenceClient, request: GrpcInferRequest, expected: number) {
  interface StreamState {
    call: grpc.ClientDuplexStream<GrpcInferRequest, GrpcInferResponse>;
    waiting?: (ok: boolean) => void;
    got: number;
  }
  const streams = new Map<number, StreamState>();
  const open = (worker: number) => {
    const state: StreamState = { call: client.ModelStreamInfer(), got: 0 };
    const { call } = state;
    call.on('data', (response: GrpcInferResponse) => {
      if (!isAnswer(response)) state.waiting?.(false);
      state.got++;
      if (state.got === expected) state.waiting?.(true);
    });
    const fail = () => {
      streams.delete(worker);
      state.waiting?.(false);
    };
    call.on('error', fail);
    call.on('end', fail);
    streams.set(worker, state);
    return state;
  };
  const op = (worker: number): Promise<OpOutcome> =>
    new Promise((resolve) => {
      const state = streams.get(worker) ?? open(worker);
      state.got = 0;
      state.waiting = (ok) => {
        state.waiting = undefined;
        resolve({ ok, messages: state.got });
      };
      state.call.write(request);
    });
  const close = () => {
    for (const { call } of streams.values()) {
      call.removeAllListeners('end');
      call.removeAllListeners('error');
      call.on('error', () => undefined);
      call.end();
    }
    streams.clear();
  };
  return { op, close };
}
