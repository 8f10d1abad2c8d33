import path from 'node:path';
import { collectSse } from './helpers/sse-client.js';
import { postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

/** The runtime example of the README, served as a user would serve it. */
describe('the README runtime example (examples/sentiment)', () => {
  let running: RunningServer;
  const text = (data: string[]) => ({
    inputs: [{ name: 'text', shape: [data.length], datatype: 'BYTES', data }],
  });
  beforeAll(async () => {
    running = await startTestServer({
      model_repository_root: path.resolve(import.meta.dirname, '../examples/sentiment'),
    });
  });
  afterAll(() => running.stop());

  test('predict scores each text, and its parameters.headers become HTTP headers', async () => {
    const { status, headers, body } = await postJson(`${running.url}/v2/models/sentiment/infer`, {
      id: 'r1',
      ...text(['a good day', 'great good', 'bad']),
    });
    expect(status).toBe(200);
    expect(headers.get('x-request-seen')).toBe('r1');
    expect((body as { outputs: unknown[] }).outputs).toEqual([
      { name: 'score', shape: [3], datatype: 'INT32', data: [1, 2, 0] },
    ]);
  });

  test('a missing input is the documented 400', async () => {
    const { status, body } = await postJson(`${running.url}/v2/models/sentiment/infer`, { inputs: [] });
    expect(status).toBe(400);
    expect(body).toEqual({ error: "input 'text' is required" });
  });

  test('predictStream answers over SSE', async () => {
    const events = await collectSse(`${running.url}/v2/models/sentiment/generate_stream`, text(['good']));
    expect(events).toHaveLength(1);
    expect((JSON.parse(events[0]!.data) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([1]);
  });
});
