import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { call, clientFor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { binaryBody, bytesElements, fp32Bytes } from '../helpers/binary-body.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { scrape } from '../helpers/metrics-scrape.js';
import { collectSse } from '../helpers/sse-client.js';
import { postJson } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

/**
 * Every way of calling a model gives the same results whether its runtime runs in the server
 * thread or in worker threads: the same repository is served twice by the real CLI, once as it
 * is and once with `MLSERVER_PARALLEL_WORKERS=2`, and every answer is compared.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const MODELS = ['mixed', 'typed-errors', 'accumulator', 'echo-stream', 'pcm'];

let root: string;
let inline: CliServer;
let threaded: CliServer;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-workers-'));
  for (const model of ['mixed', 'typed-errors'])
    await cp(path.join(FIXTURES, 'workers', model), path.join(root, model), { recursive: true });
  for (const model of ['accumulator', 'echo-stream', 'pcm'])
    await cp(path.join(FIXTURES, 'sessions', model), path.join(root, model), { recursive: true });
  [inline, threaded] = await Promise.all([
    startCliServer(root, { models: MODELS }),
    startCliServer(root, { models: MODELS, env: { MLSERVER_PARALLEL_WORKERS: '2' } }),
  ]);
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.close();
  const codes = await Promise.all([inline?.stop(), threaded?.stop()]);
  await rm(root, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
});

/** Runs `ask` against both servers: [server thread, worker threads]. */
async function both<T>(ask: (server: CliServer) => Promise<T>): Promise<[T, T]> {
  return [await ask(inline), await ask(threaded)];
}

/** A REST POST's status and JSON body (its headers carry a date, which differs). */
async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const { status, body: json } = await postJson(url, body, headers);
  return { status, body: json };
}

function grpcClient(server: CliServer): grpc.Client {
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  const client = new Client(server.grpc, grpc.credentials.createInsecure());
  clients.push(client);
  return client;
}

const mixedRequest = {
  id: 'req-1',
  parameters: { temperature: 0.5, tags: ['a', 'b'] },
  inputs: [
    { name: 'f32', datatype: 'FP32', shape: [2, 2], data: [1.5, -2, 0.25, 1e-7] },
    { name: 'i64', datatype: 'INT64', shape: [3], data: [1, '9223372036854775807', -5] },
    { name: 'u8', datatype: 'UINT8', shape: [3], data: [0, 128, 255] },
    { name: 'flag', datatype: 'BOOL', shape: [2], data: [true, false] },
    { name: 'text', datatype: 'BYTES', shape: [2], data: ['héllo', ''] },
  ],
};

describe('same results in the server thread and in worker threads, through the real CLI', () => {
  test('every model runs in 2 worker threads of its own on one server, in the server thread on the other', () => {
    for (const model of MODELS) {
      expect(threaded.cli.output()).toContain(`model '${model}' runs in 2 worker threads`);
      expect(inline.cli.output()).not.toContain(`model '${model}' runs in`);
    }
  });

  test('REST infer: JSON tensors of every kind, parameters, headers and the id', async () => {
    const [a, b] = await both((s) =>
      post(`${s.http}/v2/models/mixed/infer`, mixedRequest, { 'x-probe': 'probe-value' }),
    );
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
  });

  test("REST infer with Triton's binary tensors (typed arrays cross as buffers)", async () => {
    const header = {
      id: 'bin',
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [3], parameters: { binary_data_size: 12 } },
        { name: 's', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 14 } },
      ],
    };
    const { body, headerLength } = binaryBody(
      header,
      fp32Bytes(1, 2.5, -3),
      bytesElements(Buffer.from('one'), Buffer.from('two')),
    );
    const [a, b] = await both(async (s) => {
      const res = await fetch(`${s.http}/v2/models/mixed/infer`, {
        method: 'POST',
        headers: { 'inference-header-content-length': String(headerLength) },
        body,
      });
      return { status: res.status, body: await res.json() };
    });
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    // The runtime saw typed arrays and Buffers in both threads.
    const seen = (a.body as { outputs: { name: string; data: string[] }[] }).outputs.find(
      (o) => o.name === 'seen',
    )!;
    expect(JSON.parse(seen.data[0]!).kinds).toEqual(['f:Float32Array', 's:Array(Buffer)']);
  });

  test('gRPC ModelInfer, typed contents and raw contents', async () => {
    const typed = {
      model_name: 'mixed',
      id: 'g1',
      inputs: [
        { name: 'x', datatype: 'INT32', shape: ['3'], contents: { int_contents: [1, -2, 3] } },
        { name: 't', datatype: 'BYTES', shape: ['1'], contents: { bytes_contents: [Buffer.from('hi')] } },
      ],
    };
    const raw = {
      model_name: 'mixed',
      id: 'g2',
      inputs: [{ name: 'x', datatype: 'FP32', shape: ['2'] }],
      raw_input_contents: [Buffer.from(fp32Bytes(0.5, 4))],
    };
    for (const request of [typed, raw]) {
      const [a, b] = await both((s) => call(grpcClient(s), 'ModelInfer', request));
      expect(b).toEqual(a);
    }
  });

  test('SSE generate_stream from a runtime that streams by itself', async () => {
    const request = {
      id: 'sse-1',
      parameters: { repeat: 5 },
      inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [4, 2] }],
    };
    const [a, b] = await both((s) => collectSse(`${s.http}/v2/models/echo-stream/generate_stream`, request));
    const data = (events: { event?: string; data: string }[]) => events.map((e) => [e.event, e.data]);
    expect(a).toHaveLength(5);
    expect(data(b)).toEqual(data(a));
  });

  test('gRPC ModelStreamInfer: several requests on one stream', async () => {
    const [a, b] = await both(async (s) => {
      const stream = openStream(grpcClient(s));
      for (let i = 0; i < 4; i++) {
        stream.write({
          model_name: 'echo-stream',
          id: `s-${i}`,
          parameters: { repeat: { int64_param: String(i + 1) } },
          inputs: [{ name: 'x', datatype: 'INT32', shape: ['1'], contents: { int_contents: [i] } }],
        });
      }
      stream.end();
      return { messages: await stream.rest(), status: (await stream.status).code };
    });
    expect(a.messages).toHaveLength(1 + 2 + 3 + 4);
    expect(b).toEqual(a);
  });

  test('a WebSocket session with server-held state (JSON steps, then binary audio frames)', async () => {
    const [a, b] = await both(async (s) => {
      const socket = connect(`${s.http}/v2/models/accumulator/infer_stream`);
      await socket.opened;
      for (const step of [5, 2, -1, 10])
        socket.ws.send(
          JSON.stringify({
            id: `step-${step}`,
            inputs: [{ name: 'step', datatype: 'INT32', shape: [1], data: [step] }],
          }),
        );
      socket.ws.send('');
      const accumulator = await socket.rest();
      const audio = connect(`${s.http}/v2/models/pcm/infer_stream?session_id=pcm-1`);
      await audio.opened;
      for (let i = 1; i <= 3; i++) audio.ws.send(new Int16Array(160 * i).fill(i), { binary: true });
      audio.ws.send(Buffer.alloc(0), { binary: true });
      const pcm = (await audio.rest()).map(({ id: _, ...rest }) => rest);
      return { accumulator, pcm };
    });
    // The state output (the total) stays on the server; `seen_carry` is the total before each step.
    expect(a.accumulator.map((r) => (r.outputs as { data: number[] }[])[0]!.data[0])).toEqual([0, 5, 7, 6]);
    expect(a.pcm).toHaveLength(3);
    expect(b).toEqual(a);
  });

  test('a Triton sequence: server-held state across unary calls', async () => {
    const step = (server: CliServer, parameters: Record<string, unknown>, value: number) =>
      post(`${server.http}/v2/models/accumulator/infer`, {
        id: `seq-${value}`,
        parameters,
        inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [value] }],
        outputs: [{ name: 'total' }],
      });
    const [a, b] = await both(async (s) => [
      await step(s, { sequence_id: 42, sequence_start: true }, 3),
      await step(s, { sequence_id: 42 }, 4),
      await step(s, { sequence_id: 42, sequence_end: true }, 5),
      await step(s, { sequence_id: 42 }, 6),
    ]);
    expect(a.map((r) => r.status)).toEqual([200, 200, 200, 400]);
    expect(b).toEqual(a);
  });

  test("a runtime's custom metrics are served by the server, from worker threads too", async () => {
    const [a, b] = await both(async (s) => {
      const port = /Metrics server running on http:\/\/[^:]+:(\d+)/.exec(s.cli.output())![1];
      const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
      return samples.filter((sample) => sample.name.startsWith('mixed_inputs'));
    });
    expect(a).toEqual([
      {
        name: 'mixed_inputs',
        labels: { model_name: 'mixed', model_version: '' },
        value: 5 + 2 + 2 + 1,
      },
    ]);
    expect(b).toEqual(a);
  });

  test('typed errors keep their status and message: REST and gRPC', async () => {
    for (const kind of ['invalid', 'custom', 'not_found', 'unavailable', 'plain', 'string']) {
      const body = { parameters: { kind }, inputs: [] };
      const [a, b] = await both((s) => post(`${s.http}/v2/models/typed-errors/infer`, body));
      expect(b).toEqual(a);
      const [ga, gb] = await both((s) =>
        call(grpcClient(s), 'ModelInfer', {
          model_name: 'typed-errors',
          parameters: { kind: { string_param: kind } },
          inputs: [],
        }).then(
          () => ({ code: 0, details: '' }),
          (err: grpc.ServiceError) => ({ code: err.code, details: err.details }),
        ),
      );
      expect(gb).toEqual(ga);
    }
    const invalid = await post(`${threaded.http}/v2/models/typed-errors/infer`, {
      parameters: { kind: 'custom' },
      inputs: [],
    });
    expect(invalid).toEqual({ status: 400, body: { error: 'audio must be 16 kHz mono' } });
  });
});
