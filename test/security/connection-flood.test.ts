import { request } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { call, clientFor } from '../grpc/harness.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { type FloodSocket, floodPort, openFileLimit, openIdleSocket } from '../../bench/load/idle-sockets.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';

const REPO = path.resolve(import.meta.dirname, '../fixtures/security/repo');
const Inference = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');

/** Half an HTTP request: the request line and one header, never the blank line that ends them. */
const HALF_REQUEST = 'GET /v2/health/live HTTP/1.1\r\nHost: flood\r\n';
/** Two thirds of the HTTP/2 connection preface (24 bytes). */
const HALF_PREFACE = 'PRI * HTTP/2.0\r\n';

/** GET over a connection of its own (no keep-alive agent): status and `Connection` header. */
function freshGet(url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** ServerLive over a new channel (a new connection). */
async function freshServerLive(target: string): Promise<unknown> {
  const client = new Inference(target, grpc.credentials.createInsecure()) as grpc.Client;
  try {
    return await call(client, 'ServerLive', {}, { deadline: Date.now() + 20_000 });
  } finally {
    client.close();
  }
}

/**
 * Thousands of idle connections on both ports of the real CLI process. Each side of a
 * connection costs a descriptor in its own process (this one and the server), so the flood is
 * sized to a quarter of this process's open-file limit per port, at most 3,000 per port.
 */
describe('a flood of idle connections (through the CLI)', () => {
  const perPort = Math.max(200, Math.min(3000, Math.floor((openFileLimit() - 500) / 4)));
  let server: CliServer;
  const flood: { http: FloodSocket[]; grpc: FloodSocket[] } = { http: [], grpc: [] };

  beforeAll(async () => {
    server = await startCliServer(REPO, {
      models: ['wait'],
      env: {
        MLSERVER_CONNECTION_HANDSHAKE_TIMEOUT: '20',
        MLSERVER_HTTP_HEADERS_TIMEOUT: '25',
        MLSERVER_GRPC_MAX_CONNECTION_IDLE: '10',
      },
    });
  });
  afterAll(async () => {
    for (const s of [...flood.http, ...flood.grpc]) s.socket.destroy();
    await server.stop();
  });

  test('health answers from fresh connections while thousands of idle connections per port are open; the server closes them all', async () => {
    const httpPort = Number(new URL(server.http).port);
    const grpcPort = Number(server.grpc.split(':')[1]);
    [flood.http, flood.grpc] = await Promise.all([
      floodPort(httpPort, perPort, { half: HALF_REQUEST, halfEvery: 10 }),
      floodPort(grpcPort, perPort, { half: HALF_PREFACE, halfEvery: 10 }),
    ]);
    // A third kind: gRPC clients that greet properly (full preface) and then never call.
    const greeted = await Promise.all(
      Array.from({ length: 50 }, () =>
        openIdleSocket(
          grpcPort,
          Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), emptySettings()]),
        ),
      ),
    );
    flood.grpc.push(...greeted);
    const stillOpen = (sockets: FloodSocket[]) => sockets.filter((s) => !s.socket.destroyed).length;
    // Health from fresh connections while the flood holds its connections.
    const open = { http: stillOpen(flood.http), grpc: stillOpen(flood.grpc) };
    for (let i = 0; i < 3; i++) {
      const live = await freshGet(`${server.http}/v2/health/live`);
      expect([live.status, live.body]).toEqual([200, '{"live":true}']);
      expect(await freshServerLive(server.grpc)).toEqual({ live: true });
    }
    // Thousands were open while health answered (opening them takes seconds; they live 20 s).
    console.log(`open while health answered: HTTP ${open.http}, gRPC ${open.grpc}`);
    expect(open.http).toBeGreaterThanOrEqual(Math.min(1000, perPort));
    expect(open.grpc).toBeGreaterThanOrEqual(Math.min(1000, perPort));

    // The server closes every one of them: none is ever closed by this side.
    await Promise.all([...flood.http, ...flood.grpc].map((s) => s.closed));
    const halves = flood.http.filter((_, n) => n % 10 === 0);
    for (const half of halves) expect(half.received().toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    // The greeted HTTP/2 connections were sent GOAWAY (frame type 7) when their idle time ran out.
    for (const g of greeted) expect(hasFrame(g.received(), 0x7)).toBe(true);

    expect((await freshGet(`${server.http}/v2/health/live`)).status).toBe(200);
    expect(await freshServerLive(server.grpc)).toEqual({ live: true });
  }, 180_000);
});

describe('the connection cap per port', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({
      model_repository_root: REPO,
      http_max_connections: 20,
      grpc_max_connections: 20,
      connection_handshake_timeout: 120,
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  test.each(['http', 'grpc'] as const)(
    '%s: a connection over the cap is closed at once; below it, health answers again',
    async (which) => {
      const port = which === 'http' ? running.ports.http : running.ports.grpc;
      const held = await floodPort(port, 20, { batch: 20 });
      const extra = await openIdleSocket(port);
      await extra.closed;
      // The twenty it holds are open: the greeting timeout (120 s) has not closed them.
      expect(held.filter((s) => s.socket.destroyed)).toHaveLength(0);
      for (const s of held) s.socket.destroy();
      await Promise.all(held.map((s) => s.closed));
      // The server sees the closes a moment later; until then a fresh connection may be dropped.
      for (;;) {
        const answer =
          which === 'http'
            ? await freshGet(`${running.url}/v2/health/live`).then(
                (r) => r.status,
                () => undefined,
              )
            : await freshServerLive(`127.0.0.1:${port}`).then(
                () => 200,
                () => undefined,
              );
        if (answer === 200) break;
        await sleep(50);
      }
    },
  );
});

/** An HTTP/2 SETTINGS frame with no settings (9 bytes), which completes a client's greeting. */
function emptySettings(): Buffer {
  return Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
}

/** Whether an HTTP/2 byte stream from the server holds a frame of this type. */
function hasFrame(bytes: Buffer, type: number): boolean {
  for (let at = 0; at + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    if (bytes[at + 3] === type) return true;
    at += 9 + length;
  }
  return false;
}
