import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import WebSocket from 'ws';
import { Campaign } from '../fuzz/support/campaign.js';
import { mb } from '../fuzz/support/figures.js';
import { abuseCount, abuseTimeout } from '../fuzz/support/fuzz-settings.js';
import {
  grpcParameters,
  grpcTickerRequest,
  inferenceClient,
  openGrpcStream,
  openSse,
  openWs,
  tickerParameters,
  tickerRequest,
} from './abuse-clients.js';
import { type AbuseCli, startAbuseCli, until, untilSteady } from './abuse-cli.js';

const STORM_CLIENT = path.resolve(import.meta.dirname, 'storm-client.ts');
/** Streams per transport in the storm (×4 transports). */
const STORM_PER_TRANSPORT = abuseCount(75, 500);
/** The heap cap of the server: a producer that buffered for a slow reader would hit it. */
const HEAP_MB = 192;
/** Responses of 256 KiB a producer may make ahead of a reader that stopped reading. */
const AHEAD_CEILING = 200;
const FAST_MESSAGES = abuseCount(1000, 10_000);

/**
 * Streams abused through the real CLI process (heap capped at 192 MB): a client process
 * holding hundreds of streams killed at once, readers that stop reading, producers that write
 * far faster than the model answers. Streams end with their connections, runtimes stop with
 * them, memory stays bounded, descriptors come back.
 */
describe('abuse: streams (through the CLI, heap capped)', () => {
  let cli: AbuseCli;
  let campaign: Campaign;
  beforeAll(async () => {
    cli = await startAbuseCli({ triton: true, heapMb: HEAP_MB, settings: { shutdown_grace_period: 2 } });
    campaign = new Campaign('abuse-streams', cli.pid);
  }, abuseTimeout(60_000));
  afterAll(async () => {
    campaign?.finish();
    await cli?.close();
  });

  test(
    'disconnect storm: a client process holding streams on SSE, WebSocket and both gRPC flavours is killed; every stream and its runtime generator ends',
    async () => {
      const total = 4 * STORM_PER_TRANSPORT;
      const interrupted0 = await cli.metric('model_stream_interrupted_total');
      const figures = await campaign.run(
        `disconnect storm (${total} streams, 4 transports)`,
        async (counter) => {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              STORM_CLIENT,
              cli.http,
              cli.grpc,
              cli.grpcTriton!,
              String(STORM_PER_TRANSPORT),
            ],
            { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
          );
          const exited = new Promise((resolve) => child.on('exit', resolve));
          await new Promise<void>((resolve, reject) => {
            let out = '';
            child.stdout!.on('data', (chunk: Buffer) => {
              out += chunk.toString();
              if (/ready \d+/.test(out)) resolve();
            });
            child.on('exit', (code) => reject(new Error(`storm client exited ${code}: ${out}`)));
          });
          expect(await cli.metric('abuse_ticker_running')).toBe(total);
          child.kill('SIGKILL');
          await exited;
          await until(
            () => cli.metric('abuse_ticker_running'),
            (n) => n === 0,
          );
          await until(
            () => cli.openStreams(),
            (n) => n === 0,
          );
          counter.tally('streams killed with their client, ended by the server', total);
          const interrupted = (await cli.metric('model_stream_interrupted_total')) - interrupted0;
          counter.record('interrupted streams counted by the server', interrupted);
          expect(interrupted).toBe(total);
        },
        { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0, crashes: 0 });
      expect(cli.alive()).toBe(true);
    },
    abuseTimeout(180_000),
  );

  test(
    'slow readers: a reader that stops reading holds the producer back (SSE, WebSocket, gRPC)',
    async () => {
      const produced = () => cli.metric('abuse_ticker_produced');
      const bytes = 256 * 1024;
      const request = tickerRequest(tickerParameters({ bytes }));
      const readers: Record<string, () => Promise<() => void>> = {
        SSE: async () => {
          const { req, res } = await openSse(cli.http, 'ticker', request);
          res.pause();
          return () => req.destroy();
        },
        WebSocket: async () => {
          const ws = await openWs(cli.http, 'ticker', request);
          ws.pause();
          return () => ws.terminate();
        },
        'gRPC (MLServer)': async () => {
          const client = inferenceClient(cli.grpc);
          const call = await openGrpcStream(client, { ...grpcTickerRequest({ bytes }) });
          call.pause();
          return () => {
            call.cancel();
            client.close();
          };
        },
        'gRPC (Triton)': async () => {
          const client = inferenceClient(cli.grpcTriton!);
          const call = await openGrpcStream(client, { ...grpcTickerRequest({ bytes }) });
          call.pause();
          return () => {
            call.cancel();
            client.close();
          };
        },
      };
      for (const [transport, open] of Object.entries(readers)) {
        const figures = await campaign.run(
          `slow reader, ${transport} (256 KiB responses)`,
          async (counter) => {
            const before = await produced();
            const rssBefore = cli.rss();
            const close = await open();
            const ahead = (await untilSteady(async () => (await produced()) - before, AHEAD_CEILING)) - 1;
            counter.count('stream held by a reader that stopped');
            counter.record('responses made ahead of the reader', ahead);
            counter.record('MB of tensor data made ahead of the reader', mb(ahead * bytes));
            counter.record('server RSS growth while it waited (MB)', mb(cli.rss() - rssBefore));
            expect(ahead).toBeLessThan(AHEAD_CEILING);
            close();
            await until(
              () => cli.metric('abuse_ticker_running'),
              (n) => n === 0,
            );
          },
          { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
        );
        expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
        expect(cli.alive()).toBe(true);
      }
    },
    abuseTimeout(180_000),
  );

  test(
    'fast producers: requests written at once on a WebSocket session, a gRPC stream and one pipelined HTTP/1.1 connection are all answered, in order',
    async () => {
      const input = { name: 'x', datatype: 'FP32', shape: [256], data: new Array(256).fill(0.5) };
      const figures = await campaign.run(
        `fast producers (${FAST_MESSAGES} requests on each of WebSocket, gRPC stream, pipelined HTTP)`,
        async (counter) => {
          // WebSocket: every message sent before the first answer; the session pauses reading.
          const ws = new WebSocket(`${cli.http.replace(/^http/, 'ws')}/v2/models/slow/infer_stream`);
          const wsIds: string[] = [];
          ws.on('message', (data) => wsIds.push(String((JSON.parse(data.toString()) as { id: string }).id)));
          const wsClosed = new Promise<number>((resolve) => ws.once('close', resolve));
          await new Promise((resolve) => ws.once('open', resolve));
          for (let i = 0; i < FAST_MESSAGES; i++)
            ws.send(JSON.stringify({ id: `w${i}`, parameters: { delay_ms: 1 }, inputs: [input] }));
          ws.send(Buffer.alloc(0));
          expect(await wsClosed).toBe(1000);
          expect(wsIds).toEqual(Array.from({ length: FAST_MESSAGES }, (_, i) => `w${i}`));
          counter.tally('WebSocket: answered in order', FAST_MESSAGES);

          // gRPC: every message written without waiting for the stream to drain.
          const client = inferenceClient(cli.grpc);
          const call = client.ModelStreamInfer!() as grpc.ClientDuplexStream<unknown, { id: string }>;
          const grpcIds: string[] = [];
          call.on('data', (reply) => grpcIds.push(reply.id));
          const status = new Promise<number>((resolve) =>
            call.on('status', (s: grpc.StatusObject) => resolve(s.code)),
          );
          call.on('error', () => undefined);
          for (let i = 0; i < FAST_MESSAGES; i++)
            call.write({
              model_name: 'slow',
              id: `g${i}`,
              parameters: grpcParameters({ delay_ms: 1 }),
              inputs: [
                { name: 'x', datatype: 'FP32', shape: [256], contents: { fp32_contents: input.data } },
              ],
            });
          call.end();
          expect(await status).toBe(0);
          expect(grpcIds).toEqual(Array.from({ length: FAST_MESSAGES }, (_, i) => `g${i}`));
          client.close();
          counter.tally('gRPC stream: answered in order', FAST_MESSAGES);

          // HTTP/1.1: every request written on one connection before the first answer.
          const statuses = await pipelined(cli.http, FAST_MESSAGES, (i) =>
            JSON.stringify({ id: `h${i}`, parameters: { delay_ms: 1 }, inputs: [input] }),
          );
          expect(statuses).toEqual(new Array(FAST_MESSAGES).fill(200));
          counter.tally('pipelined HTTP/1.1: answered 200 in order', FAST_MESSAGES);
        },
        { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(cli.alive()).toBe(true);
    },
    abuseTimeout(180_000),
  );
});

/** Writes `count` POSTs to `slow` on one connection at once; resolves with the statuses in order. */
function pipelined(base: string, count: number, body: (i: number) => string): Promise<number[]> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const statuses: number[] = [];
    let buffered = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => resolve(statuses));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Responses are `HTTP/1.1 <status>` + headers + a Content-Length body.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        statuses.push(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]));
        buffered = buffered.subarray(end + 4 + length);
        if (statuses.length === count) socket.end();
      }
    });
    const requests: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = body(i);
      requests.push(
        `POST /v2/models/slow/infer HTTP/1.1\r\nHost: abuse\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    }
    socket.write(requests.join(''));
  });
}
