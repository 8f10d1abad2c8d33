import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientFor, call as grpcCall, textInput, tritonClientConstructor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { type Sample, scrape, scrapeUntil, sum } from '../helpers/metrics-scrape.js';
import { collectSse, postSse } from '../helpers/sse-client.js';
import { FIXTURE_MODELS, postJson, type RunningServer, startTestServer } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

const OBSERVABILITY = path.resolve(import.meta.dirname, '../fixtures/observability');

let server: RunningServer;
let metricsUrl: string;
let root: string;
let mlserver: grpc.Client;
let triton: grpc.Client;

const sumRequest = { inputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: [1, 2] }] };
const words = (text: string) => ({
  inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: [text] }],
});

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-metrics-'));
  await cp(FIXTURE_MODELS, root, { recursive: true });
  await cp(OBSERVABILITY, root, { recursive: true });
  server = await startTestServer({
    model_repository_root: root,
    metrics_endpoint: '/metrics',
    metrics_port: 0,
    grpc_triton_port: 0,
    ready_requires_all_models: false,
  });
  metricsUrl = `http://127.0.0.1:${server.ports.metrics}/metrics`;
  const insecure = grpc.credentials.createInsecure();
  const Ml = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  mlserver = new Ml(`127.0.0.1:${server.ports.grpc}`, insecure);
  triton = new (tritonClientConstructor())(`127.0.0.1:${server.ports.grpcTriton}`, insecure);
});

afterAll(async () => {
  mlserver.close();
  triton.close();
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

/** Scrapes until the sample sum reaches `target`, and returns the page. */
const until = (name: string, labels: Record<string, string>, target: number) =>
  scrapeUntil(metricsUrl, (samples) => sum(samples, name, labels) >= target);

const model = (name: string, transport: string, version = '') => ({ model: name, version, transport });

describe('metrics: MLServer names, every transport, fed by the core', () => {
  test('REST infer: model_infer_request_*, <prefix>_requests_total by route template and status', async () => {
    const before = await scrape(metricsUrl);
    const base = (name: string, labels: Record<string, string>) => sum(before, name, labels);
    const labels = model('sum', 'rest');
    const http = {
      method: 'POST',
      path: '/v2/models/:name/infer',
      status_code: '200',
      app_name: 'mlserver-ts',
    };
    const s0 = base('model_infer_request_success_total', labels);
    const h0 = base('rest_server_requests_total', http);
    for (let i = 0; i < 3; i++)
      expect((await postJson(`${server.url}/v2/models/sum/infer`, sumRequest)).status).toBe(200);
    const after = await until('rest_server_requests_total', http, h0 + 3);
    expect(sum(after, 'model_infer_request_success_total', labels)).toBe(s0 + 3);
    expect(sum(after, 'model_infer_request_duration_count', labels)).toBe(s0 + 3);
    expect(sum(after, 'model_infer_request_duration_sum', labels)).toBeGreaterThan(0);
    expect(sum(after, 'model_infer_request_duration_seconds_count', labels)).toBe(s0 + 3);
    expect(sum(after, 'rest_server_request_duration_seconds_count', http)).toBe(h0 + 3);
    expect(sum(after, 'rest_server_requests_in_progress', { method: 'POST' })).toBe(0);
    // The versioned route is its own template.
    await postJson(`${server.url}/v2/models/versioned/versions/v2/infer`, sumRequest);
    await until('rest_server_requests_total', { path: '/v2/models/:name/versions/:version/infer' }, 1);
  });

  test('REST errors: failures by model, 404 and 400 by route template, health and unrouted requests', async () => {
    const failure = model('_unknown', 'rest', '_unknown');
    const f0 = sum(await scrape(metricsUrl), 'model_infer_request_failure_total', failure);
    expect((await postJson(`${server.url}/v2/models/nope/infer`, sumRequest)).status).toBe(404);
    expect((await postJson(`${server.url}/v2/models/sum/infer`, '{not json')).status).toBe(400);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/no/such/route`)).status).toBe(404);
    const bad = { inputs: [{ name: 'x', datatype: 'FP64', shape: [3], data: [1] }] };
    expect((await postJson(`${server.url}/v2/models/sum/infer`, bad)).status).toBe(400);
    const after = await until('rest_server_requests_total', { path: '(unrouted)' }, 1);
    expect(sum(after, 'model_infer_request_failure_total', failure)).toBe(f0 + 1);
    expect(sum(after, 'model_infer_request_failure_total', model('sum', 'rest'))).toBeGreaterThanOrEqual(1);
    const infer = { method: 'POST', path: '/v2/models/:name/infer' };
    expect(sum(after, 'rest_server_requests_total', { ...infer, status_code: '404' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sum(after, 'rest_server_requests_total', { ...infer, status_code: '400' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(
      sum(after, 'rest_server_requests_total', { path: '/v2/health/ready', status_code: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(after, 'rest_server_requests_total', { method: 'GET', path: '(unrouted)', status_code: '404' }),
    ).toBe(1);
  });

  test('SSE: a stream counts once; time to first response, gaps, responses, bytes; active back to 0', async () => {
    const labels = model('text-stream', 'sse');
    const before = await scrape(metricsUrl);
    const r0 = sum(before, 'model_stream_responses_sum', labels);
    const n0 = sum(before, 'model_stream_responses_count', labels);
    const events = await collectSse(
      `${server.url}/v2/models/text-stream/generate_stream`,
      words('one two three four'),
    );
    expect(events).toHaveLength(4);
    const after = await until('model_stream_responses_count', labels, n0 + 1);
    expect(sum(after, 'model_stream_responses_sum', labels)).toBe(r0 + 4);
    expect(sum(after, 'model_stream_time_to_first_response_seconds_count', labels)).toBe(n0 + 1);
    expect(sum(after, 'model_stream_response_gap_seconds_count', labels)).toBe(3 * (n0 + 1));
    expect(sum(after, 'model_stream_bytes_out_total', labels)).toBeGreaterThan(100);
    expect(sum(after, 'model_stream_active', labels)).toBe(0);
    expect(sum(after, 'model_infer_request_success_total', labels)).toBe(n0 + 1);
    expect(
      sum(after, 'rest_server_requests_total', {
        path: '/v2/models/:name/generate_stream',
        status_code: '200',
      }),
    ).toBe(n0 + 1);
  });

  test('SSE disconnect: active while open, then interrupted{reason="client"} and status 499', async () => {
    const labels = model('slow-stream', 'sse');
    const i0 = sum(await scrape(metricsUrl), 'model_stream_interrupted_total', {
      ...labels,
      reason: 'client',
    });
    const controller = new AbortController();
    const body = { inputs: [], parameters: { count: 1000, delay_ms: 20 } };
    const stream = postSse(`${server.url}/v2/models/slow-stream/infer_stream`, body, {
      signal: controller.signal,
    });
    await stream.next();
    const open = await scrape(metricsUrl);
    expect(sum(open, 'model_stream_active', labels)).toBe(1);
    expect(sum(open, 'rest_server_requests_in_progress', { method: 'POST' })).toBe(1);
    controller.abort();
    await stream.return(undefined).catch(() => undefined);
    const after = await until('model_stream_interrupted_total', { ...labels, reason: 'client' }, i0 + 1);
    expect(sum(after, 'model_stream_active', labels)).toBe(0);
    expect(sum(after, 'model_infer_request_failure_total', labels)).toBeGreaterThanOrEqual(1);
    expect(
      sum(after, 'rest_server_requests_total', { path: '/v2/models/:name/infer_stream', status_code: '499' }),
    ).toBe(i0 + 1);
  });

  test('gRPC unary: grpc_server_* by method and code, model metrics with transport grpc', async () => {
    const grpcInfer = { grpc_service: 'inference.GRPCInferenceService', grpc_method: 'ModelInfer' };
    const before = await scrape(metricsUrl);
    const ok0 = sum(before, 'grpc_server_handled_total', { ...grpcInfer, grpc_code: 'OK' });
    await grpcCall(mlserver, 'ModelInfer', {
      model_name: 'sum',
      inputs: [{ name: 'x', datatype: 'FP64', shape: [2], contents: { fp64_contents: [1, 2] } }],
    });
    await expect(grpcCall(mlserver, 'ModelInfer', { model_name: 'nope', inputs: [] })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await grpcCall(mlserver, 'ServerLive', {});
    const after = await until('grpc_server_handled_total', { ...grpcInfer, grpc_code: 'NOT_FOUND' }, 1);
    expect(sum(after, 'grpc_server_handled_total', { ...grpcInfer, grpc_code: 'OK' })).toBe(ok0 + 1);
    expect(
      sum(after, 'grpc_server_started_total', { ...grpcInfer, grpc_type: 'UNARY' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'grpc_server_handling_seconds_count', grpcInfer)).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'grpc_server_msg_sent_total', grpcInfer)).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'model_infer_request_success_total', model('sum', 'grpc'))).toBeGreaterThanOrEqual(1);
    expect(
      sum(after, 'model_infer_request_failure_total', model('_unknown', 'grpc', '_unknown')),
    ).toBeGreaterThanOrEqual(1);
    await until('grpc_server_handled_total', { grpc_method: 'ServerLive', grpc_code: 'OK' }, 1);
  });

  test('gRPC streams, both flavours: responses, gaps, bidi type; a cancel is interrupted{reason="client"}', async () => {
    const labels = model('text-stream', 'grpc');
    const done = { grpc_method: 'ModelStreamInfer', grpc_type: 'BIDI_STREAMING', grpc_code: 'OK' };
    const first = await scrape(metricsUrl);
    const n0 = sum(first, 'model_stream_responses_count', labels);
    const h0 = sum(first, 'grpc_server_handled_total', done);
    for (const client of [mlserver, triton]) {
      const stream = openStream(client);
      stream.write({ model_name: 'text-stream', inputs: [textInput('a b c')] });
      stream.end();
      expect(await stream.rest()).toHaveLength(3);
    }
    const after = await until('grpc_server_handled_total', done, h0 + 2);
    expect(sum(after, 'model_stream_responses_count', labels)).toBe(n0 + 2);
    expect(sum(after, 'model_stream_responses_sum', labels)).toBeGreaterThanOrEqual(6);
    expect(
      sum(after, 'grpc_server_msg_sent_total', { grpc_method: 'ModelStreamInfer' }),
    ).toBeGreaterThanOrEqual(6);

    const slow = model('slow-stream', 'grpc');
    const c0 = sum(after, 'model_stream_interrupted_total', { ...slow, reason: 'client' });
    const stream = openStream(mlserver);
    stream.write({ model_name: 'slow-stream', inputs: [], parameters: { delay_ms: { int64_param: 20 } } });
    await stream.next();
    expect(sum(await scrape(metricsUrl), 'model_stream_active', slow)).toBe(1);
    stream.cancel();
    const cancelled = await until('model_stream_interrupted_total', { ...slow, reason: 'client' }, c0 + 1);
    expect(sum(cancelled, 'model_stream_active', slow)).toBe(0);
    expect(
      sum(cancelled, 'grpc_server_handled_total', {
        grpc_method: 'ModelStreamInfer',
        grpc_code: 'CANCELLED',
      }),
    ).toBe(1);
  });

  test('WebSocket: sessions by close code, messages sent, stream metrics with transport ws', async () => {
    const labels = model('text-stream', 'ws');
    const socket = connect(`${server.url}/v2/models/text-stream/infer_stream`);
    await socket.opened;
    socket.ws.send(JSON.stringify(words('x y')));
    socket.ws.send('');
    expect(await socket.rest()).toHaveLength(2);
    expect((await socket.closed).code).toBe(1000);
    const after = await until('ws_server_sessions_total', { code: '1000' }, 1);
    expect(sum(after, 'ws_server_messages_sent_total')).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'ws_server_sessions_in_progress')).toBe(0);
    expect(sum(after, 'model_stream_responses_sum', labels)).toBe(2);
    expect(sum(after, 'model_infer_request_success_total', labels)).toBe(1);

    const slow = model('slow-stream', 'ws');
    const cut = connect(`${server.url}/v2/models/slow-stream/infer_stream`);
    await cut.opened;
    cut.ws.send(JSON.stringify({ inputs: [], parameters: { delay_ms: 20 } }));
    await cut.next();
    expect(sum(await scrape(metricsUrl), 'ws_server_sessions_in_progress')).toBe(1);
    cut.ws.terminate();
    const gone = await until('model_stream_interrupted_total', { ...slow, reason: 'client' }, 1);
    expect(sum(gone, 'model_stream_active', slow)).toBe(0);
  });

  test('1,000 unknown model names (REST and gRPC) add no series', async () => {
    const unknown = (i: number) => `made-up-${i}`;
    const failures = (samples: Sample[]) =>
      sum(samples, 'model_infer_request_failure_total', { model: '_unknown' });
    const f0 = failures(await scrape(metricsUrl));
    await postJson(`${server.url}/v2/models/${unknown(-1)}/infer`, sumRequest);
    await grpcCall(mlserver, 'ModelInfer', { model_name: unknown(-1), inputs: [] }).catch(() => undefined);
    await fetch(`${server.url}/v2/models/${unknown(-1)}/ready`);
    const ready404 = { path: '/v2/models/:name/ready', status_code: '404' };
    const settled = await scrapeUntil(
      metricsUrl,
      (s) => failures(s) >= f0 + 2 && sum(s, 'rest_server_requests_total', ready404) >= 1,
    );
    const series = (samples: Sample[]) => new Set(samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`));
    const before = series(settled);
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          i + j < 900
            ? postJson(`${server.url}/v2/models/${unknown(i + j)}/versions/${i + j}/infer`, sumRequest)
            : grpcCall(mlserver, 'ModelInfer', { model_name: unknown(i + j), inputs: [] }).catch(
                () => undefined,
              ),
        ),
      );
    }
    const after = await scrapeUntil(metricsUrl, (s) => failures(s) >= failures(settled) + 1000);
    const added = [...series(after)].filter((key) => !before.has(key));
    // No model name ever becomes a label value: a thousand names add a bounded handful of series
    // (the versioned route's template; on a busy machine a status such as 499 may appear too).
    expect(added.filter((key) => key.includes('made-up'))).toEqual([]);
    expect(added.length).toBeLessThan(60);
    const models = new Set(after.filter((s) => s.labels.model !== undefined).map((s) => s.labels.model));
    expect([...models].some((name) => name?.startsWith('made-up'))).toBe(false);
    const paths = new Set(after.filter((s) => s.labels.path !== undefined).map((s) => s.labels.path));
    expect([...paths].some((p) => p?.includes('made-up'))).toBe(false);
    // A thousand calls and the scrapes take seconds on a busy machine: jest's 5 s default is too short.
  }, 60_000);

  test('custom metrics from a runtime (register, log) are served with the labels model_name, model_version', async () => {
    await postJson(`${server.url}/v2/models/metered/infer`, sumRequest);
    await postJson(`${server.url}/v2/models/metered/infer`, {
      inputs: [{ name: 'x', datatype: 'FP64', shape: [5], data: [1, 2, 3, 4, 5] }],
    });
    const labels = { model_name: 'metered', model_version: 'v1' };
    const after = await until('metered_requests', labels, 2);
    expect(sum(after, 'metered_request_size_count', labels)).toBe(2);
    expect(sum(after, 'metered_request_size_sum', labels)).toBe(7);
    expect(sum(after, 'metered_last_size', labels)).toBe(5);
    expect(sum(after, 'metered_on_the_fly_count', labels)).toBe(2);
    expect(sum(after, 'model_infer_request_success_total', model('metered', 'rest', 'v1'))).toBe(2);
  });
});
