import type * as grpc from '@grpc/grpc-js';
import {
  connect,
  type GrpcInferRequest,
  type GrpcInferResponse,
  type InferenceClient,
  isAnswer,
  waitForReady,
} from './grpc-load.js';
import type { InferenceProto } from './grpc-proto.js';

/** Streams per channel (HTTP/2 connection): many clients, each with some streams, as in production. */
const STREAMS_PER_CHANNEL = 1000;

/** N gRPC bidi streams opened and held by the client, each having sent one request. */
export interface HeldGrpc {
  opened: number;
  failed: number;
  /** Milliseconds until every stream's request was written to its connection. */
  openMs: number;
  channels: number;
  /** Resolves with how many streams got a response, once all did or `timeoutMs` passed. */
  served(timeoutMs: number): Promise<number>;
  /** Ends every stream and closes the channels. */
  close(): void;
}

/**
 * Opens `count` `ModelStreamInfer` calls over ⌈count/1000⌉ separate connections, writes one
 * request on each and keeps them open; the server answers when the held model is released.
 */
export async function openGrpcStreams(
  proto: InferenceProto,
  address: string,
  request: GrpcInferRequest,
  count: number,
): Promise<HeldGrpc> {
  const channels: InferenceClient[] = [];
  for (let i = 0; i < Math.ceil(count / STREAMS_PER_CHANNEL); i++) {
    // A local subchannel pool gives each client its own connection instead of a shared one.
    const client = connect(proto, address, { 'grpc.use_local_subchannel_pool': 1 });
    await waitForReady(client.client, 5000);
    channels.push(client);
  }
  const calls: grpc.ClientDuplexStream<GrpcInferRequest, unknown>[] = [];
  let failed = 0;
  let served = 0;
  let onServed: (() => void) | undefined;
  const begun = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const call = channels[Math.floor(i / STREAMS_PER_CHANNEL)]!.ModelStreamInfer();
    let answered = false;
    call.on('data', (response) => {
      if (!answered && isAnswer(response as GrpcInferResponse)) {
        answered = true;
        served++;
        onServed?.();
      }
    });
    call.on('error', () => {
      if (!answered) failed++;
    });
    calls.push(call);
    writes.push(new Promise((resolve) => call.write(request, () => resolve())));
  }
  await Promise.all(writes);
  const openMs = performance.now() - begun;
  return {
    opened: count,
    get failed() {
      return failed;
    },
    openMs,
    channels: channels.length,
    served: (timeoutMs) =>
      new Promise((resolve) => {
        const done = () => resolve(served);
        const timer = setTimeout(done, timeoutMs);
        onServed = () => {
          if (served + failed >= count) {
            clearTimeout(timer);
            done();
          }
        };
        onServed();
      }),
    close: () => {
      for (const call of calls) {
        call.on('error', () => undefined);
        call.end();
        call.cancel();
      }
      for (const channel of channels) channel.client.close();
    },
  };
}
