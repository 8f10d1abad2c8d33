import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import WebSocket from 'ws';
import { Campaign } from '../fuzz/support/campaign.js';
import { abuseCount, abuseTimeout } from '../fuzz/support/fuzz-settings.js';
import {
  type Answer,
  getOnce,
  grpcUnary,
  inferenceClient,
  outcomeOf,
  postOnce,
  tickerRequest,
} from './abuse-clients.js';
import { type AbuseCli, startAbuseCli } from './abuse-cli.js';

const MAX_INFLIGHT = 32;
const x = { name: 'x', datatype: 'INT32', shape: [1], data: [1] };
const GRPC_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

/** A WebSocket session of one ticker request; its close code and responses, or the refused upgrade's status. */
function wsSession(base: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v2/models/ticker/infer_stream`);
    let messages = 0;
    ws.on('error', () => undefined);
    ws.on('message', () => messages++);
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(`refused ${res.statusCode}`);
    });
    ws.once('open', () => {
      ws.send(JSON.stringify(tickerRequest({ count: 3, delay_ms: 100 })));
      ws.send(Buffer.alloc(0));
    });
    ws.once('close', (code) => resolve(`close ${code} after ${messages}`));
  });
}

/** One connection that misbehaves, then goes: reset at once, cut mid-request, or gone before reading the answer. */
function badConnection(port: number, kind: number, half: string, whole: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.once('connect', () => {
      if (kind === 0) socket.resetAndDestroy();
      else if (kind === 1) socket.write(half, () => socket.destroy());
      else socket.write(whole, () => setImmediate(() => socket.resetAndDestroy()));
    });
  });
}

/**
 * Connection floods through the real CLI: hundreds of clients at once, each on a connection of
 * its own, on every transport (REST, gRPC, WebSocket) past `max_inflight_requests`, then
 * thousands of connections that reset, stop mid-request or leave before their answer. Every
 * client gets its answer or a 429 / RESOURCE_EXHAUSTED (never a 5xx or a reset), health
 * answers throughout, and the server's descriptors come back to where they were.
 */
describe('abuse: connection floods (through the CLI)', () => {
  let cli: AbuseCli;
  let campaign: Campaign;
  beforeAll(async () => {
    cli = await startAbuseCli({ settings: { max_inflight_requests: MAX_INFLIGHT } });
    campaign = new Campaign('abuse-floods', cli.pid);
  }, abuseTimeout(60_000));
  afterAll(async () => {
    campaign?.finish();
    await cli?.close();
  });

  test(
    'a flood of clients, each on its own connection, on REST, gRPC and WebSocket: every one answered or shed',
    async () => {
      const rest = abuseCount(400, 2000);
      const viaGrpc = abuseCount(100, 300);
      const sessions = abuseCount(100, 300);
      const figures = await campaign.run(
        `active flood (${rest} REST, ${viaGrpc} gRPC channels, ${sessions} WebSocket sessions at once)`,
        async (counter) => {
          // Started interleaved, so every transport is both served and shed.
          const clients = Array.from({ length: viaGrpc }, () => inferenceClient(cli.grpc));
          const answers: Promise<Answer>[] = [];
          const calls: Promise<{ code: number }>[] = [];
          const ws: Promise<string>[] = [];
          for (let i = 0; i < Math.max(rest, viaGrpc, sessions); i++) {
            if (i < rest)
              answers.push(
                postOnce(`${cli.http}/v2/models/slow/infer`, { parameters: { delay_ms: 300 }, inputs: [x] }),
              );
            if (i < viaGrpc)
              calls.push(
                grpcUnary(clients[i]!, 'ModelInfer', {
                  model_name: 'slow',
                  parameters: { delay_ms: { int64_param: 300 } },
                  inputs: [{ name: 'x', datatype: 'INT32', shape: [1], contents: { int_contents: [1] } }],
                }),
              );
            if (i < sessions) ws.push(wsSession(cli.http));
          }
          // Health from a fresh connection while the flood is on.
          const live = await getOnce(`${cli.http}/v2/health/live`);
          counter.count(`health during the flood: ${live}`);
          expect(live).toBe(200);
          for (const answer of await Promise.all(answers)) {
            counter.count(`REST ${outcomeOf(answer)}`);
            expect(['200', '429']).toContain(outcomeOf(answer));
          }
          for (const { code } of await Promise.all(calls)) {
            counter.count(`gRPC ${GRPC_NAMES[code]}`);
            expect([grpc.status.OK, grpc.status.RESOURCE_EXHAUSTED]).toContain(code);
          }
          for (const session of await Promise.all(ws)) {
            counter.count(`WebSocket ${session}`);
            expect(['close 1000 after 3', 'refused 429']).toContain(session);
          }
          for (const client of clients) client.close();
        },
        { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
      );
      expect(figures).toMatchObject({ crashes: 0, leakedHandles: 0, leakedSessions: 0 });
      // The first MAX_INFLIGHT arrivals are always served, whichever transport they came by.
      const served =
        (figures.outcomes['REST 200'] ?? 0) +
        (figures.outcomes['gRPC OK'] ?? 0) +
        (figures.outcomes['WebSocket close 1000 after 3'] ?? 0);
      expect(served).toBeGreaterThanOrEqual(MAX_INFLIGHT);
      expect(cli.alive()).toBe(true);
    },
    abuseTimeout(180_000),
  );

  test(
    'connection churn: connections that reset, stop mid-request or leave before their answer, on both ports',
    async () => {
      const perPort = abuseCount(1500, 10_000);
      const http = Number(new URL(cli.http).port);
      const grpcPort = Number(cli.grpc.split(':')[1]);
      const request = JSON.stringify({ parameters: { delay_ms: 50 }, inputs: [x] });
      const figures = await campaign.run(
        `connection churn (${perPort} per port: reset, half request, gone before the answer)`,
        async (counter) => {
          const ports = [
            {
              name: 'HTTP',
              port: http,
              half: 'POST /v2/models/slow/infer HTTP/1.1\r\nHost: churn\r\nContent-Length: 100\r\n\r\n{"inp',
              whole: `POST /v2/models/slow/infer HTTP/1.1\r\nHost: churn\r\nContent-Type: application/json\r\nContent-Length: ${request.length}\r\n\r\n${request}`,
            },
            {
              name: 'gRPC',
              port: grpcPort,
              half: 'PRI * HTTP/2.0\r\n',
              // The whole preface and a SETTINGS frame, then gone.
              whole: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000',
            },
          ];
          for (const { name, port, half, whole } of ports) {
            for (let i = 0; i < perPort; i += 100) {
              const batch = Array.from({ length: Math.min(100, perPort - i) }, (_, k) =>
                badConnection(port, (i + k) % 3, half, whole),
              );
              await Promise.all(batch);
            }
            counter.tally(`${name} connections reset, cut or left`, perPort);
          }
          const ok = await postOnce(`${cli.http}/v2/models/slow/infer`, request);
          counter.count(`a request after the churn: ${outcomeOf(ok)}`);
          expect(outcomeOf(ok)).toBe('200');
          const client = inferenceClient(cli.grpc);
          const live = await grpcUnary(client, 'ServerLive', {});
          client.close();
          expect(live.code).toBe(grpc.status.OK);
        },
        { closeClients: async () => undefined, openSessions: () => cli.openStreams() },
      );
      expect(figures).toMatchObject({ crashes: 0, leakedHandles: 0, leakedSessions: 0 });
      expect(cli.alive()).toBe(true);
    },
    abuseTimeout(180_000),
  );
});
