import { gzipSync } from 'node:zlib';
import { getJson, postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

const sumRequest = {
  inputs: [
    {
      name: 'x',
      shape: [2, 2],
      datatype: 'FP32',
      data: [
        [1, 2],
        [3, 4],
      ],
    },
  ],
};

describe('REST routes against a real server', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  test('health: live, and ready is false while a model failed to load', async () => {
    expect(await getJson(`${running.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({ status: 400, body: { ready: false } });
  });

  test('model ready, with and without a version', async () => {
    expect(await getJson(`${running.url}/v2/models/sum/ready`)).toEqual({
      status: 200,
      body: { name: 'sum', ready: true },
    });
    expect(await getJson(`${running.url}/v2/models/versioned/versions/2/ready`)).toEqual({
      status: 200,
      body: { name: 'versioned', version: '2', ready: true },
    });
    expect(await getJson(`${running.url}/v2/models/failing-load/ready`)).toEqual({
      status: 400,
      body: { name: 'failing-load', ready: false },
    });
  });

  test('server metadata', async () => {
    const { status, body } = await getJson(`${running.url}/v2`);
    expect(status).toBe(200);
    expect(body).toEqual({
      name: 'mlserver-ts',
      version: '0.1.0',
      extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics'],
    });
  });

  test('model metadata, with and without a version', async () => {
    const { body } = await getJson(`${running.url}/v2/models/js-model`);
    expect(body).toEqual({ name: 'js-model', versions: [], platform: 'plain-js', inputs: [], outputs: [] });
    const versioned = await getJson(`${running.url}/v2/models/versioned/versions/1`);
    expect(versioned.status).toBe(200);
    expect((versioned.body as { name: string }).name).toBe('versioned');
  });

  test('infer and generate answer the same way, nested data accepted', async () => {
    for (const route of ['infer', 'generate']) {
      const { status, body } = await postJson(`${running.url}/v2/models/sum/${route}`, {
        id: 'abc',
        ...sumRequest,
      });
      expect(status).toBe(200);
      expect(body).toEqual({
        model_name: 'sum',
        id: 'abc',
        outputs: [{ name: 'total', shape: [1], datatype: 'FP64', data: [10] }],
      });
    }
  });

  test('the default version is the highest; a version can be addressed', async () => {
    const answer = async (path: string) =>
      ((await postJson(`${running.url}${path}`, { inputs: [] })).body as { outputs: { data: string[] }[] })
        .outputs[0]!.data[0];
    expect(await answer('/v2/models/versioned/infer')).toBe('2');
    expect(await answer('/v2/models/versioned/versions/1/infer')).toBe('1');
    const { body } = await postJson(`${running.url}/v2/models/versioned/versions/1/infer`, { inputs: [] });
    expect((body as { model_version: string }).model_version).toBe('1');
  });

  test('request ids: echoed from the body, else x-request-id, else generated', async () => {
    const fromBody = await postJson(`${running.url}/v2/models/echo-headers/infer`, {
      id: 'body-id',
      inputs: [],
    });
    expect((fromBody.body as { id: string }).id).toBe('body-id');
    const fromHeader = await postJson(
      `${running.url}/v2/models/echo-headers/infer`,
      { inputs: [] },
      { 'x-request-id': 'hdr-id' },
    );
    expect((fromHeader.body as { id: string }).id).toBe('hdr-id');
    const generated = await postJson(`${running.url}/v2/models/echo-headers/infer`, { inputs: [] });
    expect((generated.body as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('request headers reach the runtime; parameters.headers become HTTP headers', async () => {
    const { status, headers, body } = await postJson(
      `${running.url}/v2/models/echo-headers/infer`,
      { inputs: [] },
      { 'x-test-header': 'hello' },
    );
    expect(status).toBe(200);
    expect(headers.get('x-model-header')).toBe('from-the-model');
    const parameters = (body as { parameters: Record<string, unknown> }).parameters;
    expect(parameters.seen_header).toBe('hello');
    expect(parameters.headers).toBeUndefined();
  });

  test('gzip-compressed request bodies are accepted', async () => {
    const res = await fetch(`${running.url}/v2/models/sum/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(sumRequest)),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([10]);
  });

  test('a body without a JSON content type (curl -d) is still read as JSON', async () => {
    const res = await fetch(`${running.url}/v2/models/sum/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify(sumRequest),
    });
    expect(res.status).toBe(200);
  });

  test('a runtime in plain JavaScript returning a plain object works', async () => {
    const { status, body } = await postJson(`${running.url}/v2/models/js-model/infer`, { inputs: [] });
    expect(status).toBe(200);
    expect((body as { outputs: unknown[] }).outputs).toEqual([
      { name: 'answer', shape: [1], datatype: 'INT32', data: [42] },
    ]);
  });

  test('repository index lists every model with its state and reason', async () => {
    const { status, body } = await postJson(`${running.url}/v2/repository/index`, {});
    expect(status).toBe(200);
    const index = body as { name: string; version: string; state: string; reason: string }[];
    expect(index.find((m) => m.name === 'failing-load')).toEqual({
      name: 'failing-load',
      version: '',
      state: 'UNAVAILABLE',
      reason: 'weights file is corrupt',
    });
    expect(index.filter((m) => m.name === 'versioned').map((m) => m.version)).toEqual(['1', '2']);
    expect(index.some((m) => m.name === 'must-not-load')).toBe(false);
    const ready = await postJson(`${running.url}/v2/repository/index`, { ready: true });
    expect((ready.body as { state: string }[]).every((m) => m.state === 'READY')).toBe(true);
  });

  test('routes under root_path answer too', async () => {
    const other = await startTestServer({ root_path: '/prefix' });
    try {
      expect((await getJson(`${other.url}/prefix/v2/health/live`)).body).toEqual({ live: true });
      expect((await getJson(`${other.url}/v2/health/live`)).body).toEqual({ live: true });
    } finally {
      await other.stop();
    }
  });
});
