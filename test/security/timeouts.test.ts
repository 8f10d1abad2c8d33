import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { openIdleSocket } from '../../bench/load/idle-sockets.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';

const REPO = path.resolve(import.meta.dirname, '../fixtures/security/repo');

/** A client's whole HTTP/2 greeting: the preface and an empty SETTINGS frame. */
const H2_GREETING = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]),
]);

/** The types of the HTTP/2 frames in a byte stream from the server. */
function frameTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) types.push(bytes[at + 3]!);
  return types;
}
const PING = 0x6;
const GOAWAY = 0x7;

describe('HTTP timeouts and gRPC keepalive (short settings; every close is the server’s)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({
      model_repository_root: REPO,
      connection_handshake_timeout: 120,
      http_headers_timeout: 1,
      http_request_timeout: 2,
      http_keep_alive_timeout: 1,
      grpc_max_connection_idle: null,
      grpc_keepalive_time: 1,
      grpc_keepalive_timeout: 1,
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  test('http_request_timeout: a body that stops arriving is answered 408 and the connection closed', async () => {
    const slow = await openIdleSocket(
      running.ports.http,
      'POST /v2/models/wait/infer HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inp',
    );
    await slow.closed;
    expect(slow.received().toString()).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  });

  test('http_keep_alive_timeout: a kept-alive connection closes once idle', async () => {
    const kept = await openIdleSocket(running.ports.http, 'GET /v2/health/live HTTP/1.1\r\nHost: t\r\n\r\n');
    await kept.closed;
    const answer = kept.received().toString();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toMatch(/Keep-Alive: timeout=1/);
    expect(answer).toContain('{"live":true}');
  });

  test('grpc_keepalive_time/_timeout: a peer that never answers pings is closed', async () => {
    const silent = await openIdleSocket(running.ports.grpc, H2_GREETING);
    await silent.closed;
    expect(frameTypes(silent.received())).toContain(PING);
  });
});

test('grpc_max_connection_age and _grace: an old connection gets GOAWAY, then is cut', async () => {
  const running = await startTestServer({
    model_repository_root: REPO,
    connection_handshake_timeout: 120,
    grpc_max_connection_idle: null,
    grpc_max_connection_age: 1,
    grpc_max_connection_age_grace: 1,
  });
  try {
    const old = await openIdleSocket(running.ports.grpc, H2_GREETING);
    await old.closed;
    expect(frameTypes(old.received())).toContain(GOAWAY);
  } finally {
    await running.stop();
  }
});
