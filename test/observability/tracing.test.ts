import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientFor, call as grpcCall, textInput } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { startCliServer } from '../helpers/cli-server.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { collectSse } from '../helpers/sse-client.js';
import { FIXTURE_MODELS, postJson, type RunningServer, startTestServer } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

const OBSERVABILITY = path.resolve(import.meta.dirname, '../fixtures/observability');
const SERVER_SOURCES = path.resolve(import.meta.dirname, '../../server');

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const traceparent = (traceId = TRACE_ID) => `00-${traceId}-${PARENT_ID}-01`;
const sumRequest = { inputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: [1, 2] }] };

/** A fresh trace id per test, so each test finds its own spans. */
let traceCounter = 0;
const newTraceId = () => `${(++traceCounter).toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;

const inTrace = (spans: ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => spans.find((s) => s.name === name);

describe('tracing over OTLP/gRPC (in process)', () => {
  let receiver: OtlpReceiver;
  let server: RunningServer;
  let root: string;
  let client: grpc.Client;

  beforeAll(async () => {
    receiver = await startOtlpReceiver('grpc');
    root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-tracing-'));
    await cp(FIXTURE_MODELS, root, { recursive: true });
    await cp(OBSERVABILITY, root, { recursive: true });
    server = await startTestServer({
      model_repository_root: root,
      tracing_server: receiver.endpoint,
      ready_requires_all_models: false,
    });
    const Ml = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    client = new Ml(`127.0.0.1:${server.ports.grpc}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.stop();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  test("REST infer: a SERVER span in the client's trace, a predict child whose traceparent the runtime got", async () => {
    const traceId = newTraceId();
    const res = await postJson(`${server.url}/v2/models/metered/infer`, sumRequest, {
      traceparent: traceparent(traceId),
    });
    expect(res.status).toBe(200);
    const seen = (res.body as { outputs: { data: string[] }[] }).outputs[0]!.data[0]!;
    const spans = inTrace(await receiver.until((all) => inTrace(all, traceId).length >= 2), traceId);
    const call = named(spans, 'POST /v2/models/:name/infer')!;
    const predict = named(spans, 'predict')!;
    expect(call).toMatchObject({ kind: 2, parentSpanId: PARENT_ID, statusCode: 0 });
    expect(call.attributes).toMatchObject({
      'mlserver.transport': 'rest',
      'mlserver.model': 'metered',
      'http.request.method': 'POST',
      'http.route': '/v2/models/:name/infer',
      'http.response.status_code': 200,
      'mlserver.status': '200',
    });
    expect(call.resource['service.name']).toBe('mlserver-ts');
    expect(predict).toMatchObject({ kind: 1, parentSpanId: call.spanId });
    expect(seen).toBe(`00-${traceId}-${predict.spanId}-01`);
  });

  test('gRPC ModelInfer and an unknown model: RPC attributes, an error status', async () => {
    const traceId = newTraceId();
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', traceparent(traceId));
    await grpcCall(
      client,
      'ModelInfer',
      {
        model_name: 'sum',
        inputs: [{ name: 'x', datatype: 'FP64', shape: [1], contents: { fp64_contents: [1] } }],
      },
      { metadata },
    );
    await grpcCall(client, 'ModelInfer', { model_name: 'nope', inputs: [] }, { metadata }).catch(
      () => undefined,
    );
    const spans = inTrace(await receiver.until((all) => inTrace(all, traceId).length >= 3), traceId);
    const calls = spans.filter((s) => s.name === 'ModelInfer');
    expect(calls).toHaveLength(2);
    const ok = calls.find((s) => s.attributes['mlserver.model'] === 'sum')!;
    expect(ok.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.grpc.status_code': 0,
      'mlserver.status': 'OK',
    });
    expect(named(spans, 'predict')?.parentSpanId).toBe(ok.spanId);
    const failed = calls.find((s) => s.attributes['mlserver.model'] === 'nope')!;
    expect(failed).toMatchObject({
      statusCode: 2,
      statusMessage: "Request for unknown model: 'nope' is not found",
    });
    expect(failed.attributes['mlserver.status']).toBe('NOT_FOUND');
  });

  test('streams: SSE and gRPC get a predictStream child; a WebSocket session of a unary model a predict per request', async () => {
    const traceId = newTraceId();
    const words = { inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a b'] }] };
    const events = await collectSse(`${server.url}/v2/models/text-stream/generate_stream`, words).catch(
      () => [],
    );
    expect(events).toHaveLength(2);
    await fetch(`${server.url}/v2/models/text-stream/generate_stream`, {
      method: 'POST',
      headers: { traceparent: traceparent(traceId) },
      body: JSON.stringify(words),
    }).then((r) => r.text());
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', traceparent(traceId));
    const stream = openStream(client, { metadata });
    stream.write({ model_name: 'text-stream', inputs: [textInput('c d e')] });
    stream.end();
    expect(await stream.rest()).toHaveLength(3);
    const socket = connect(`${server.url}/v2/models/sum/infer_stream`, {
      headers: { traceparent: traceparent(traceId) },
    });
    await socket.opened;
    socket.ws.send(JSON.stringify(sumRequest));
    socket.ws.send(JSON.stringify(sumRequest));
    socket.ws.send('');
    expect(await socket.rest()).toHaveLength(2);
    const spans = inTrace(await receiver.until((all) => inTrace(all, traceId).length >= 7), traceId);
    const sse = named(spans, 'POST /v2/models/:name/generate_stream')!;
    expect(sse.attributes).toMatchObject({ 'mlserver.transport': 'sse', 'mlserver.responses': 2 });
    const grpcStream = named(spans, 'ModelStreamInfer')!;
    expect(grpcStream.attributes['mlserver.responses']).toBe(3);
    const ws = spans.find((s) => s.attributes['mlserver.transport'] === 'ws')!;
    expect(ws.attributes).toMatchObject({ 'websocket.close_code': 1000, 'mlserver.model': 'sum' });
    const children = (parent: ReceivedSpan) =>
      spans.filter((s) => s.parentSpanId === parent.spanId).map((s) => s.name);
    expect(children(sse)).toEqual(['predictStream']);
    expect(children(grpcStream)).toEqual(['predictStream']);
    expect(children(ws)).toEqual(['predict', 'predict']);
  });

  test('health probes are not traced; a call without traceparent starts a trace of its own', async () => {
    await fetch(`${server.url}/v2/health/ready`);
    const res = await postJson(`${server.url}/v2/models/metered/infer`, sumRequest, {
      'x-request-id': 'untraced-1',
    });
    const seen = (res.body as { outputs: { data: string[] }[] }).outputs[0]!.data[0]!;
    const traceId = seen.split('-')[1]!;
    const spans = await receiver.until((all) => inTrace(all, traceId).length >= 2);
    const call = inTrace(spans, traceId).find((s) => s.kind === 2)!;
    expect(call.parentSpanId).toBe('');
    expect(call.attributes['mlserver.request_id']).toBe('untraced-1');
    expect(spans.some((s) => s.name.includes('/v2/health/'))).toBe(false);
  });
});

describe('tracing through the CLI, over OTLP/HTTP', () => {
  test('spans of REST and gRPC calls reach a receiver at a /v1/traces URL with the traceparent trace id', async () => {
    const receiver = await startOtlpReceiver('http');
    const server = await startCliServer(path.join(FIXTURE_MODELS, 'sum'), {
      models: ['sum'],
      env: { MLSERVER_TRACING_SERVER: receiver.endpoint, MLSERVER_SERVER_NAME: 'traced' },
    });
    try {
      await server.cli.waitForLine(/Tracing: spans go to (\S+)/);
      const traceId = newTraceId();
      expect(
        (
          await postJson(`${server.http}/v2/models/sum/infer`, sumRequest, {
            traceparent: traceparent(traceId),
          })
        ).status,
      ).toBe(200);
      const Ml = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
      const client = new Ml(server.grpc, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('traceparent', traceparent(traceId));
      await grpcCall(
        client,
        'ModelInfer',
        {
          model_name: 'sum',
          inputs: sumRequest.inputs.map((i) => ({ ...i, contents: { fp64_contents: i.data } })),
        },
        { metadata },
      );
      client.close();
      const spans = inTrace(await receiver.until((all) => inTrace(all, traceId).length >= 4), traceId);
      expect(spans.map((s) => s.name).sort()).toEqual([
        'ModelInfer',
        'POST /v2/models/:name/infer',
        'predict',
        'predict',
      ]);
      expect(spans.every((s) => s.resource['service.name'] === 'traced')).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
      await receiver.close();
    }
  });
});

describe('OpenTelemetry is loaded only when tracing is on', () => {
  test('no module of the server imports @opentelemetry at run time except the tracing loader, dynamically', async () => {
    const files = (await readdir(SERVER_SOURCES, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(SERVER_SOURCES, file), 'utf8');
      for (const line of text.split('\n')) {
        if (!line.includes('@opentelemetry/')) continue;
        const typeOnly = /^\s*import type /.test(line);
        const dynamic =
          /await import\('@opentelemetry\//.test(line) || /^\s*import\('@opentelemetry\//.test(line);
        const comment = /^\s*(\*|\/\/)/.test(line);
        if (typeOnly || comment || (dynamic && file.endsWith('load-tracing.ts'))) continue;
        offenders.push(`${file}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
