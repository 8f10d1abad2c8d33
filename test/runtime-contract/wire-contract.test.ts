import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { call, clientFor } from '../grpc/harness.js';
import { getJson, postJson, type RunningServer, startTestServer } from '../helpers/test-server.js';

const CONTRACT = path.resolve(import.meta.dirname, '../fixtures/contract');

let running: RunningServer;
let client: grpc.Client;
beforeAll(async () => {
  running = await startTestServer({ model_repository_root: CONTRACT, ready_requires_all_models: false });
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  client = new Client(`127.0.0.1:${running.ports.grpc}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await running.stop();
});

const prompt = { name: 'prompt', shape: [1], datatype: 'BYTES', data: ['What is the capital of France?'] };

/** What the `declared` runtime saw of a request, without the transport's own headers. */
async function seenOver(body: unknown): Promise<Record<string, unknown>> {
  const reply = await postJson(`${running.url}/v2/models/declared/infer`, body, { 'x-request-id': 'fixed' });
  expect(reply.status).toBe(200);
  const seen = JSON.parse((reply.body as { parameters: { seen: string } }).parameters.seen);
  delete seen.parameters?.headers;
  if (seen.parameters && Object.keys(seen.parameters).length === 0) delete seen.parameters;
  return seen;
}

describe('null for every optional field means absent (as MLServer reads it)', () => {
  const base = { inputs: [prompt], outputs: [{ name: 'output' }] };
  test.each([
    ['id', { ...base, id: null }],
    ['parameters', { ...base, parameters: null }],
    ['outputs', { inputs: [prompt], outputs: null }],
    ['inputs[].parameters', { ...base, inputs: [{ ...prompt, parameters: null }] }],
    ['outputs[].parameters', { ...base, outputs: [{ name: 'output', parameters: null }] }],
    ['parameters.content_type', { ...base, parameters: { content_type: null } }],
    ['inputs[].parameters.headers', { ...base, inputs: [{ ...prompt, parameters: { headers: null } }] }],
    [
      'inputs[].parameters.content_type',
      { ...base, inputs: [{ ...prompt, parameters: { content_type: null } }] },
    ],
  ])('%s: null', async (field, body) => {
    const absent = await seenOver(field === 'outputs' ? { inputs: [prompt] } : base);
    const seen = await seenOver(body);
    if (field.startsWith('inputs[].parameters.')) {
      expect(seen.inputs).toEqual([{ ...prompt, parameters: {} }]);
    } else if (field === 'parameters.content_type') {
      expect(seen).toEqual({ ...absent, parameters: undefined });
    } else {
      expect(seen).toEqual(absent);
    }
  });

  test("the notebook's pydantic .dict() body, every optional null, means what the same request over gRPC means", async () => {
    const notebook =
      '{"id": null, "parameters": null, "inputs": [{"name": "prompt", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "str", "headers": null}, "data": ["What is the capital of France?"]}], "outputs": [{"name": "output", "parameters": null}]}';
    const rest = await seenOver(notebook);
    const reply = await call<{ parameters: { seen: { string_param: string } } }>(client, 'ModelInfer', {
      model_name: 'declared',
      id: 'fixed',
      inputs: [
        {
          name: 'prompt',
          datatype: 'BYTES',
          shape: [1],
          parameters: { content_type: { string_param: 'str' } },
          contents: { bytes_contents: [Buffer.from('What is the capital of France?')] },
        },
      ],
      outputs: [{ name: 'output' }],
    });
    const grpcSeen = JSON.parse(reply.parameters.seen.string_param);
    delete grpcSeen.parameters?.headers;
    if (grpcSeen.parameters && Object.keys(grpcSeen.parameters).length === 0) delete grpcSeen.parameters;
    // gRPC delivers BYTES as bytes; JSON as text: the same strings.
    grpcSeen.inputs[0].data = grpcSeen.inputs[0].data.map((b: { type?: string; data?: number[] }) =>
      Buffer.from(b.type === 'Buffer' ? b.data! : (Object.values(b) as unknown as number[])).toString(),
    );
    expect(grpcSeen).toEqual(rest);
  });
});

describe('declared inputs are enforced for custom runtimes', () => {
  test('FP32 sent as the declared BYTES input is a 400 naming both', async () => {
    const reply = await postJson(`${running.url}/v2/models/declared/infer`, {
      inputs: [{ name: 'prompt', shape: [1], datatype: 'FP32', data: [1] }],
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: "input 'prompt' has datatype FP32; model 'declared' takes BYTES" });
  });

  test("a shape that does not fit is a 400; MLServer's [N, 1] strings fit a declared [N]", async () => {
    const wrong = await postJson(`${running.url}/v2/models/declared/infer`, {
      inputs: [{ ...prompt, shape: [2], data: ['a', 'b'] }],
    });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { error: string }).error).toMatch(/has shape \[2\]; model 'declared' takes \[1\]/);
    const codec = await postJson(`${running.url}/v2/models/declared/infer`, {
      inputs: [{ ...prompt, shape: [1, 1] }],
    });
    expect(codec.status).toBe(200);
  });
});

describe("a runtime's response is checked once, for every transport", () => {
  const lie = (kind: string, extra: Record<string, unknown> = {}) => ({
    parameters: { lie: kind, ...extra },
    inputs: [],
  });
  test.each([
    ['short', "output 'x' has shape [2] (2 elements) but its data holds 1 elements"],
    ['fraction', "output 'x' (INT32): element 0 is number 1.5; expected an integer"],
    ['typed-fraction', "output 'x' (INT32): element 0 is number 1.5; expected an integer"],
    ['overflow', "output 'x' (UINT8): element 0 is 300, out of range for UINT8 [0, 255]"],
    ['declared-datatype', "output 'declared' is INT32, but the model declares FP32"],
    ['no-outputs', "expected an object with an 'outputs' array"],
  ])('%s: a 500 naming the mistake, over JSON, binary REST and gRPC', async (kind, problem) => {
    const message = `model 'liar' returned an invalid response: ${problem}`;
    const json = await postJson(`${running.url}/v2/models/liar/infer`, lie(kind));
    expect(json).toMatchObject({ status: 500, body: { error: message } });
    const binary = await postJson(
      `${running.url}/v2/models/liar/infer`,
      lie(kind, { binary_data_output: true }),
    );
    expect(binary).toMatchObject({ status: 500, body: { error: message } });
    const failed = (await call(client, 'ModelInfer', {
      model_name: 'liar',
      parameters: { lie: { string_param: kind } },
      inputs: [],
    }).catch((err: unknown) => err)) as grpc.ServiceError;
    expect(failed.code).toBe(grpc.status.INTERNAL);
    expect(failed.details).toBe(message);
  });

  test('a response with null optionals is served', async () => {
    const reply = await postJson(`${running.url}/v2/models/liar/infer`, lie('nulls'));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      model_name: 'liar',
      outputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [7] }],
    });
    expect(reply.body).not.toHaveProperty('model_version');
  });
});

test("SSE sends the first response's parameters.headers as HTTP headers", async () => {
  const res = await fetch(`${running.url}/v2/models/liar/generate_stream`, {
    method: 'POST',
    body: JSON.stringify({ inputs: [] }),
  });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  expect(res.headers.get('x-stream-header')).toBe('first');
  const text = await res.text();
  expect(text).not.toContain('x-stream-header');
});

test('the metadata of a model whose settings are invalid is a 503 with the reason', async () => {
  const reply = await getJson(`${running.url}/v2/models/invalid`);
  expect(reply.status).toBe(503);
  expect((reply.body as { error: string }).error).toMatch(/implementation: expected string/);
});

test('a corrupt compressed body is a 400 naming the encoding', async () => {
  for (const encoding of ['br', 'gzip', 'deflate']) {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${running.url}/v2/models/declared/infer`,
        { method: 'POST', headers: { 'content-encoding': encoding, 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(Buffer.from('this is not compressed at all'));
    });
    expect(status.status).toBe(400);
    expect(JSON.parse(status.body).error).toMatch(new RegExp(`not valid ${encoding} data`));
  }
});
