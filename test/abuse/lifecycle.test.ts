import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from '@jest/globals';
import { Campaign } from '../fuzz/support/campaign.js';
import { abuseCount, abuseTimeout } from '../fuzz/support/fuzz-settings.js';
import {
  grpcTickerRequest,
  grpcUnary,
  inferenceClient,
  outcomeOf,
  postOnce,
  tickerRequest,
} from './abuse-clients.js';
import { startAbuseCli, until } from './abuse-cli.js';

const x = { name: 'x', datatype: 'INT32', shape: [1], data: [1] };
const grpcX = { name: 'x', datatype: 'INT32', shape: [1], contents: { int_contents: [1] } };
const slowRequest = (delay: number) => ({ parameters: { delay_ms: delay }, inputs: [x] });

/** The status codes' names, for the figures. */
const GRPC_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

/**
 * Runtimes that never answer, and SIGTERM while work is running, through the real CLI: a hung
 * predict costs its clients a 504 after `inference_timeout` and nothing after; a client that
 * gives up frees its slot at once; SIGTERM lets running work finish within the grace period,
 * answers what cannot finish with 503 / UNAVAILABLE (never a reset), and exits 0.
 */
describe('abuse: hung runtimes and SIGTERM (through the CLI)', () => {
  test(
    'hung runtimes: every caller gets 504 / DEADLINE_EXCEEDED or 429, slots come back, other models serve',
    async () => {
      const cli = await startAbuseCli({ settings: { inference_timeout: 1, max_inflight_requests: 8 } });
      const campaign = new Campaign('abuse-hung', cli.pid);
      const callers = abuseCount(24, 100);
      try {
        const figures = await campaign.run(
          `hung runtime (${2 * callers} callers, REST and gRPC, max_inflight_requests 8)`,
          async (counter) => {
            const client = inferenceClient(cli.grpc);
            for (let round = 0; round < 2; round++) {
              const rest = Array.from({ length: callers }, () =>
                postOnce(`${cli.http}/v2/models/hung/infer`, { inputs: [x] }),
              );
              const viaGrpc = Array.from({ length: callers }, () =>
                grpcUnary(client, 'ModelInfer', { model_name: 'hung', inputs: [grpcX] }),
              );
              for (const answer of await Promise.all(rest)) {
                counter.count(`REST ${outcomeOf(answer)}`);
                expect(['504', '429']).toContain(outcomeOf(answer));
              }
              for (const { code } of await Promise.all(viaGrpc)) {
                counter.count(`gRPC ${GRPC_NAMES[code]}`);
                expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]).toContain(code);
              }
            }
            // Every slot came back: other models answer at once.
            const ok = await postOnce(`${cli.http}/v2/models/slow/infer`, slowRequest(1));
            expect(outcomeOf(ok)).toBe('200');
            client.close();
          },
          { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
        );
        expect(figures).toMatchObject({ leakedHandles: 0, crashes: 0 });
        expect(figures.outcomes['REST 504']).toBeGreaterThan(0);
        expect(figures.outcomes['gRPC DEADLINE_EXCEEDED']).toBeGreaterThan(0);
        expect(cli.alive()).toBe(true);
      } finally {
        campaign.finish();
        await cli.close();
      }
    },
    abuseTimeout(120_000),
  );

  test(
    'clients that give up on a hung runtime free their slots at once; SIGTERM with hung calls answers them 503 / UNAVAILABLE and exits 0',
    async () => {
      const cli = await startAbuseCli({ settings: { max_inflight_requests: 8, shutdown_grace_period: 2 } });
      const campaign = new Campaign('abuse-hung-sigterm', cli.pid);
      try {
        await campaign.run(
          'hung runtime without a timeout: give-ups, then SIGTERM',
          async (counter) => {
            // Eight callers fill every slot, then give up; no timeout is set, so only their
            // going away can free the slots.
            for (let round = 0; round < 3; round++) {
              const controller = new AbortController();
              const gaveUp = Array.from({ length: 8 }, () =>
                postOnce(`${cli.http}/v2/models/hung/infer`, { inputs: [x] }, controller.signal),
              );
              await until(
                () => cli.metric('rest_server_requests_in_progress', { method: 'POST' }),
                (n) => n >= 8,
              );
              controller.abort();
              for (const answer of await Promise.all(gaveUp)) counter.count(`gave up: ${outcomeOf(answer)}`);
              const ok = await postOnce(`${cli.http}/v2/models/slow/infer`, slowRequest(1));
              counter.count(`next caller: ${outcomeOf(ok)}`);
              expect(outcomeOf(ok)).toBe('200');
            }
            // Hung calls in flight when SIGTERM comes: answered when the grace period ends.
            const client = inferenceClient(cli.grpc);
            const rest = [0, 1, 2].map(() => postOnce(`${cli.http}/v2/models/hung/infer`, { inputs: [x] }));
            const viaGrpc = [0, 1, 2].map(() =>
              grpcUnary(client, 'ModelInfer', { model_name: 'hung', inputs: [grpcX] }),
            );
            await until(
              () => cli.metric('rest_server_requests_in_progress', { method: 'POST' }),
              (n) => n >= 3,
            );
            const started = Date.now();
            cli.cli.child.kill('SIGTERM');
            for (const answer of await Promise.all(rest)) {
              counter.count(`in flight at SIGTERM, REST: ${outcomeOf(answer)}`);
              expect(outcomeOf(answer)).toBe('503');
            }
            for (const { code } of await Promise.all(viaGrpc)) {
              counter.count(`in flight at SIGTERM, gRPC: ${GRPC_NAMES[code]}`);
              expect(code).toBe(grpc.status.UNAVAILABLE);
            }
            expect(await cli.cli.exited).toBe(0);
            counter.record('seconds from SIGTERM to exit (grace period 2 s)', (Date.now() - started) / 1000);
            client.close();
          },
          // The process is gone: nothing of it to count.
          { closeClients: async () => undefined },
        );
      } finally {
        campaign.finish();
        await cli.close();
      }
    },
    abuseTimeout(120_000),
  );

  test(
    'SIGTERM under load: running requests and streams of every transport finish, new ones get 503, exit 0',
    async () => {
      const cli = await startAbuseCli({ triton: true, settings: { shutdown_grace_period: 20 } });
      const campaign = new Campaign('abuse-sigterm', cli.pid);
      const unary = abuseCount(100, 400);
      const streams = abuseCount(20, 100);
      const responses = 8;
      const ticks = { count: responses, bytes: 16, delay_ms: 150 };
      try {
        await campaign.run(
          `SIGTERM under load (${unary} REST + ${unary} gRPC requests, ${streams} streams on each of SSE, WebSocket, gRPC)`,
          async (counter) => {
            const client = inferenceClient(cli.grpc);
            const rest = Array.from({ length: unary }, (_, i) =>
              postOnce(`${cli.http}/v2/models/slow/infer`, { id: `r${i}`, ...slowRequest(1500) }),
            );
            const viaGrpc = Array.from({ length: unary }, () =>
              grpcUnary(client, 'ModelInfer', {
                model_name: 'slow',
                parameters: { delay_ms: { int64_param: 1500 } },
                inputs: [grpcX],
              }),
            );
            const sse = Array.from({ length: streams }, () =>
              postOnce(`${cli.http}/v2/models/ticker/infer_stream`, tickerRequest(ticks)),
            );
            const ws = Array.from({ length: streams }, () => wsSession(cli.http, tickerRequest(ticks)));
            const grpcStreams = Array.from({ length: streams }, () =>
              grpcStream(client, grpcTickerRequest(ticks)),
            );
            // Everything has started (counters, not gauges: on a busy machine the first may
            // already be over when the last starts); then SIGTERM.
            await until(
              () => cli.metric('abuse_ticker_started'),
              (n) => n >= 3 * streams,
            );
            await until(
              () => cli.metric('abuse_slow_started'),
              (n) => n >= 2 * unary,
            );
            counter.record(
              'REST requests still running at SIGTERM',
              await cli.metric('rest_server_requests_in_progress', { method: 'POST' }),
            );
            counter.record('streams still running at SIGTERM', await cli.metric('abuse_ticker_running'));
            cli.cli.child.kill('SIGTERM');
            await cli.cli.waitForLine(/shutting down: no new requests/);
            // A new request during the drain: 503 with Connection: close (or refused once the port closed).
            const late = await postOnce(`${cli.http}/v2/models/slow/infer`, slowRequest(1));
            counter.count(`new request during the drain: ${'status' in late ? late.status : 'refused'}`);
            if ('status' in late) expect(late.status).toBe(503);
            for (const answer of await Promise.all(rest)) {
              counter.count(`REST: ${outcomeOf(answer)}`);
              expect(outcomeOf(answer)).toBe('200');
            }
            for (const { code } of await Promise.all(viaGrpc)) {
              counter.count(`gRPC: ${GRPC_NAMES[code]}`);
              expect(code).toBe(grpc.status.OK);
            }
            for (const answer of await Promise.all(sse)) {
              const events =
                'text' in answer ? answer.text.split('\n\n').filter((e) => e.startsWith('data:')) : [];
              counter.count(`SSE: ${outcomeOf(answer)} with ${events.length} events`);
              expect(events).toHaveLength(responses);
            }
            for (const session of await Promise.all(ws)) {
              counter.count(`WebSocket: close ${session.code} after ${session.messages} responses`);
              expect(session).toEqual({ code: 1000, messages: responses });
            }
            for (const stream of await Promise.all(grpcStreams)) {
              counter.count(`gRPC stream: ${GRPC_NAMES[stream.code]} after ${stream.messages} responses`);
              expect(stream).toEqual({ code: grpc.status.OK, messages: responses });
            }
            expect(await cli.cli.exited).toBe(0);
            client.close();
          },
          { closeClients: async () => undefined },
        );
      } finally {
        campaign.finish();
        await cli.close();
      }
    },
    abuseTimeout(120_000),
  );
});

/** A WebSocket session of one request, ended at once; resolves with its close code and message count. */
async function wsSession(base: string, request: unknown): Promise<{ code: number; messages: number }> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v2/models/ticker/infer_stream`);
    let messages = 0;
    ws.on('error', () => undefined);
    ws.on('message', () => messages++);
    ws.once('open', () => {
      ws.send(JSON.stringify(request));
      ws.send(Buffer.alloc(0));
    });
    ws.once('close', (code) => resolve({ code, messages }));
  });
}

/** A gRPC stream of one request; resolves with its status code and reply count. */
function grpcStream(
  client: ReturnType<typeof inferenceClient>,
  request: unknown,
): Promise<{ code: number; messages: number }> {
  return new Promise((resolve) => {
    const call = client.ModelStreamInfer!() as grpc.ClientDuplexStream<unknown, unknown>;
    let messages = 0;
    call.on('data', () => messages++);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, messages }));
    call.write(request);
    call.end();
  });
}
