import path from 'node:path';
import { scrapeUntil, sum } from '../helpers/metrics-scrape.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

const SESSIONS = path.resolve(import.meta.dirname, '../fixtures/sessions');

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({
    model_repository_root: SESSIONS,
    metrics_endpoint: '/metrics',
    metrics_port: 0,
  });
});
afterAll(() => server.stop());

/**
 * A follower (`GET …/sessions/{id}/events`) is a stream of its own: `model_stream_active`
 * counts it, so its responses count too (they were 0 while it received every event).
 */
test('a session follower’s responses count in the stream metrics (transport sse)', async () => {
  const metrics = `http://127.0.0.1:${server.ports.metrics}/metrics`;
  const socket = connect(`${server.url}/v2/models/echo-stream/infer_stream?session_id=followed`);
  await socket.opened;
  const res = await fetch(`${server.url}/v2/models/echo-stream/sessions/followed/events`);
  const body = res.text();
  socket.ws.send(
    JSON.stringify({
      id: 'f',
      parameters: { repeat: 3 },
      inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }],
    }),
  );
  socket.ws.send('');
  expect(await socket.rest()).toHaveLength(3);
  expect((await body).match(/^data: /gm)).toHaveLength(3);
  const labels = { model: 'echo-stream', transport: 'sse' };
  const samples = await scrapeUntil(
    metrics,
    (page) => sum(page, 'model_stream_responses_count', labels) >= 1,
  );
  expect(sum(samples, 'model_stream_responses_sum', labels)).toBe(3);
});
