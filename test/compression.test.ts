import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { observed } from './fixtures/models/slow-stream/slow.js';
import { type RunningServer, startTestServer } from './helpers/test-server.js';

/** A raw HTTP request, so the test sees the bytes exactly as sent (fetch would decompress). */
function rawPost(url: string, body: unknown, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('response compression (gzip_enabled: true)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({ gzip_enabled: true });
  });
  afterAll(() => running.stop());

  test('a large JSON response is gzipped when the client accepts it', async () => {
    const data = Array.from({ length: 2000 }, (_, i) => i);
    const res = await rawPost(
      `${running.url}/v2/models/identity/infer`,
      { inputs: [{ name: 't', shape: [2000], datatype: 'INT32', data }] },
      { 'accept-encoding': 'gzip' },
    );
    expect(res.headers['content-encoding']).toBe('gzip');
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()) as {
      outputs: { data: number[] }[];
    };
    expect(body.outputs[0]!.data).toEqual(data);
  });

  test('binary tensor responses are never compressed (gzip slows incompressible numbers)', async () => {
    const data = Array.from({ length: 2000 }, (_, i) => i);
    const res = await rawPost(
      `${running.url}/v2/models/identity/infer`,
      {
        inputs: [{ name: 't', shape: [2000], datatype: 'INT32', data }],
        parameters: { binary_data_output: true },
      },
      { 'accept-encoding': 'gzip' },
    );
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-encoding']).toBeUndefined();
    res.resume();
  });

  test('SSE is never compressed or held back: each event arrives before the next is produced', async () => {
    const producedAtStart = observed.produced;
    const res = await rawPost(
      `${running.url}/v2/models/slow-stream/generate_stream`,
      {
        inputs: [{ name: 'p', shape: [1], datatype: 'BYTES', data: ['go'] }],
        parameters: { count: 4, delay_ms: 150 },
      },
      { 'accept-encoding': 'gzip, deflate, br' },
    );
    expect(res.headers['content-encoding']).toBeUndefined();
    const producedWhenReceived: number[] = [];
    let text = '';
    for await (const chunk of res) {
      text += (chunk as Buffer).toString();
      const events = text.split('\n\n').filter((b) => b.startsWith('data: ')).length;
      while (producedWhenReceived.length < events)
        producedWhenReceived.push(observed.produced - producedAtStart);
    }
    // Event i (1-based) reached the client while the runtime had produced exactly i responses.
    expect(producedWhenReceived).toEqual([1, 2, 3, 4]);
  });

  test('by default (gzip_enabled: false) responses are uncompressed', async () => {
    const plain = await startTestServer();
    try {
      const data = Array.from({ length: 2000 }, (_, i) => i);
      const res = await rawPost(
        `${plain.url}/v2/models/identity/infer`,
        { inputs: [{ name: 't', shape: [2000], datatype: 'INT32', data }] },
        { 'accept-encoding': 'gzip' },
      );
      expect(res.headers['content-encoding']).toBeUndefined();
      res.resume();
    } finally {
      await plain.stop();
    }
  });
});
