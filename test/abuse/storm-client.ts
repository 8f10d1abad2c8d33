/**
 * A client process for disconnect storms: opens `--per` endless ticker streams on each of SSE,
 * WebSocket, gRPC (MLServer flavour) and gRPC (Triton flavour), each on a connection of its
 * own, prints `ready <n>` once every stream has its first response, then waits to be killed
 * (SIGKILL: the kernel drops every connection at once, as a crashed or evicted client would).
 *
 * node --import tsx test/abuse/storm-client.ts <http base> <grpc target> <triton target> <per>
 */
import {
  grpcTickerRequest,
  inferenceClient,
  openGrpcStream,
  openSse,
  openWs,
  tickerParameters,
  tickerRequest,
} from './abuse-clients.js';

const [base, grpcTarget, tritonTarget, perText] = process.argv.slice(2);
const per = Number(perText);
const parameters = tickerParameters({ delayMs: 1000 });
const held: unknown[] = [];

async function all(open: (i: number) => Promise<unknown>): Promise<void> {
  // A few at a time, so the storm is the disconnect and not the connect.
  for (let i = 0; i < per; i += 25) {
    const batch = Array.from({ length: Math.min(25, per - i) }, (_, k) => open(i + k));
    held.push(...(await Promise.all(batch)));
  }
}

await all(() => openSse(base!, 'ticker', tickerRequest(parameters)));
await all(() => openWs(base!, 'ticker', tickerRequest(parameters)));
await all(() => openGrpcStream(inferenceClient(grpcTarget!), grpcTickerRequest(parameters)));
await all(() => openGrpcStream(inferenceClient(tritonTarget!), grpcTickerRequest(parameters)));
console.log(`ready ${held.length}`);
setInterval(() => undefined, 60_000);
