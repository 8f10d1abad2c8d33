import { gzipSync } from 'node:zlib';
import { getJson, postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

/** Every row of the error table, as a client sees it: status and a JSON `{"error"}` body. */
describe('REST error table', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({ http_max_request_size: 4096, http_max_json_request_size: 2048 });
  });
  afterAll(() => running.stop());

  const infer = (model: string, body: unknown) => postJson(`${running.url}/v2/models/${model}/infer`, body);
  const errorOf = (body: unknown) => (body as { error: string }).error;

  test('unknown model and unknown version: 404', async () => {
    const model = await infer('nope', { inputs: [] });
    expect(model).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'nope' is not found" },
    });
    const version = await postJson(`${running.url}/v2/models/sum/versions/9/infer`, { inputs: [] });
    expect(version).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'sum' version 9 is not found" },
    });
    expect((await getJson(`${running.url}/v2/models/nope`)).status).toBe(404);
    expect((await getJson(`${running.url}/v2/models/nope/ready`)).status).toBe(404);
  });

  test('unknown route: JSON 404, never an HTML page', async () => {
    const res = await fetch(`${running.url}/v3/whatever`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: 'no route for GET /v3/whatever' });
  });

  test('model not ready: 503 with the load failure', async () => {
    const { status, body } = await infer('failing-load', { inputs: [] });
    expect(status).toBe(503);
    expect(errorOf(body)).toBe(
      "model 'failing-load' is not ready: it failed to load: weights file is corrupt",
    );
  });

  test.each([
    ['body is not JSON', '{"inputs": [', /^request body is not valid JSON/],
    ['missing inputs', {}, /^request is missing the field 'inputs'$/],
    [
      'missing datatype',
      { inputs: [{ name: 'x', shape: [1], data: [1] }] },
      /input 'x' is missing the field 'datatype'/,
    ],
    [
      'unknown datatype',
      { inputs: [{ name: 'x', shape: [1], datatype: 'FP8', data: [1] }] },
      /input 'x' has unknown datatype "FP8"/,
    ],
    [
      'missing shape',
      { inputs: [{ name: 'x', datatype: 'FP32', data: [1] }] },
      /input 'x' is missing the field 'shape'/,
    ],
    [
      'negative dimension',
      { inputs: [{ name: 'x', shape: [-1], datatype: 'FP32', data: [1] }] },
      /non-negative integers/,
    ],
    [
      'missing data',
      { inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] },
      /input 'x' is missing the field 'data'/,
    ],
    [
      'element count differs from shape',
      { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }] },
      /input 'x' has shape \[2,2\] \(4 elements\) but its data holds 3 elements/,
    ],
    [
      'data of the wrong type',
      { inputs: [{ name: 'x', shape: [2], datatype: 'INT32', data: [1, 'two'] }] },
      /input 'x' \(INT32\): element 1 is the string "two"; expected an integer/,
    ],
    [
      'integer out of range',
      { inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', data: [300] }] },
      /element 0 is 300, out of range for UINT8/,
    ],
    [
      'duplicate input names',
      {
        inputs: [
          { name: 'x', shape: [1], datatype: 'FP32', data: [1] },
          { name: 'x', shape: [1], datatype: 'FP32', data: [1] },
        ],
      },
      /input 'x' appears more than once/,
    ],
  ])('invalid request (%s): 400 naming the problem', async (_case, body, message) => {
    const { status, body: answer } = await infer('sum', body);
    expect(status).toBe(400);
    expect(errorOf(answer)).toMatch(message);
  });

  test('runtime failure: 500 with a clean message', async () => {
    const { status, body } = await infer('echo-headers', { inputs: [], parameters: { fail: 'throw' } });
    expect(status).toBe(500);
    expect(errorOf(body)).toBe('model error: echo was asked to fail');
  });

  test.each([
    ['overloaded', 429, 'echo is too busy'],
    ['unavailable', 503, 'echo is warming up'],
    ['deadline', 504, 'echo ran out of time'],
    ['invalid', 400, "echo needs an input named 'x'"],
  ])('a runtime that throws the %s error: %i with its message', async (fail, status, message) => {
    const answer = await infer('echo-headers', { inputs: [], parameters: { fail } });
    expect(answer).toMatchObject({ status, body: { error: message } });
  });

  test('unary inference on a stream-only model: 501 saying what to use', async () => {
    const { status, body } = await infer('broken-stream', { inputs: [] });
    expect(status).toBe(501);
    expect(errorOf(body)).toMatch(/does not implement predict; it serves streaming only/);
  });

  test('a JSON body over http_max_json_request_size: 413 naming the setting', async () => {
    const big = { inputs: [{ name: 'x', shape: [1000], datatype: 'FP32', data: new Array(1000).fill(1.5) }] };
    const { status, body } = await infer('sum', big);
    expect(status).toBe(413);
    expect(errorOf(body)).toMatch(/exceeds the limit of 2048 bytes \(setting http_max_json_request_size\)/);
  });

  test('a binary-extension body over http_max_request_size, and a chunked one: 413, never a reset', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', shape: [2000], datatype: 'FP32', parameters: { binary_data_size: 8000 } }],
      }),
    );
    const body = Buffer.concat([header, Buffer.alloc(8000)]);
    const sized = await fetch(`${running.url}/v2/models/sum/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(header.byteLength) },
      body,
    });
    expect(sized.status).toBe(413);
    expect(((await sized.json()) as { error: string }).error).toMatch(/\(setting http_max_request_size\)/);
    // No Content-Length: the limit is found while reading, and still answered with a status.
    const chunked = await fetch(`${running.url}/v2/models/sum/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 64; i++) controller.enqueue(new Uint8Array(1024).fill(32));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: string }).error).toMatch(/http_max_json_request_size/);
  });

  test('unknown Content-Encoding: 415', async () => {
    const res = await fetch(`${running.url}/v2/models/sum/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br2' },
      body: gzipSync('{}'),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/unsupported Content-Encoding/);
  });

  test('repository: loading an unknown model is 404; index rejects a non-boolean ready', async () => {
    const load = await postJson(`${running.url}/v2/repository/models/nope/load`, {});
    expect(load).toMatchObject({ status: 404, body: { error: "model 'nope' not found in the repository" } });
    const unload = await postJson(`${running.url}/v2/repository/models/nope/unload`, {});
    expect(unload.status).toBe(404);
    const index = await postJson(`${running.url}/v2/repository/index`, { ready: 'yes' });
    expect(index).toMatchObject({ status: 400, body: { error: "'ready' must be a boolean" } });
  });

  test('repository: a model that fails to load answers 500 with the reason', async () => {
    const { status, body } = await postJson(`${running.url}/v2/repository/models/failing-load/load`, {});
    expect(status).toBe(500);
    expect(errorOf(body)).toBe("model 'failing-load' failed to load: weights file is corrupt");
  });
});
