import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { textInput, tritonClientConstructor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { scrape, scrapeUntil, sum } from '../helpers/metrics-scrape.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';

let server: RunningServer;
let metricsUrl: string;
let triton: grpc.Client;

beforeAll(async () => {
  server = await startTestServer({ metrics_endpoint: '/metrics', metrics_port: 0, grpc_triton_port: 0 });
  metricsUrl = `http://127.0.0.1:${server.ports.metrics}/metrics`;
  triton = new (tritonClientConstructor())(
    `127.0.0.1:${server.ports.grpcTriton}`,
    grpc.credentials.createInsecure(),
  );
});

afterAll(async () => {
  triton.close();
  await server.stop();
});

/**
 * Found by the CLI fuzz suite: Triton's stream opens a session per request on one call, and
 * each used to add one to `model_stream_active` while the call's end took one off, so the gauge
 * grew by (requests − 1) with every such stream, for good.
 */
test('a Triton stream of several requests to a streaming model counts as one active stream, then none', async () => {
  const labels = { model: 'text-stream', transport: 'grpc' };
  const stream = openStream(triton);
  for (const id of ['a', 'b', 'c'])
    stream.write({ model_name: 'text-stream', id, inputs: [textInput('one two')] });
  await stream.next();
  expect(sum(await scrape(metricsUrl), 'model_stream_active', labels)).toBe(1);
  stream.end();
  await stream.rest();
  expect(await stream.status).toMatchObject({ code: grpc.status.OK });
  const after = await scrapeUntil(
    metricsUrl,
    (samples) => sum(samples, 'model_stream_responses_count', labels) >= 1,
  );
  expect(sum(after, 'model_stream_active', labels)).toBe(0);
});
