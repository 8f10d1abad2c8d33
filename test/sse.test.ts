import { observed } from './fixtures/models/slow-stream/slow.js';
import { collectSse, postSse } from './helpers/sse-client.js';
import { postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

const prompt = (text: string, parameters?: Record<string, unknown>) => ({
  inputs: [
    { name: 'prompt', shape: [1], datatype: 'BYTES', data: [text], parameters: { content_type: 'str' } },
  ],
  ...(parameters ? { parameters } : {}),
});

const word = (data: string) => (JSON.parse(data) as { outputs: { data: string[] }[] }).outputs[0]!.data[0];

describe('SSE streaming', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  test('each response is one bare data event, parsed by a real SSE parser', async () => {
    for (const route of ['infer_stream', 'generate_stream']) {
      const events = await collectSse(`${running.url}/v2/models/text-stream/${route}`, prompt('a b c'));
      expect(events.map((e) => e.event)).toEqual([undefined, undefined, undefined]);
      expect(events.map((e) => word(e.data))).toEqual(['a', 'b', 'c']);
      const first = JSON.parse(events[0]!.data) as Record<string, unknown>;
      expect(first.model_name).toBe('text-stream');
      expect(first.outputs).toEqual([
        {
          name: 'output',
          shape: [1, 1],
          datatype: 'BYTES',
          parameters: { content_type: 'str' },
          data: ['a'],
        },
      ]);
    }
  });

  test('the wire format is exactly `data: <json>` blocks, with the text/event-stream type', async () => {
    const res = await fetch(`${running.url}/v2/models/text-stream/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'fixed', ...prompt('x y') }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const blocks = text.split('\n\n').filter((b) => b !== '');
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block).toMatch(/^data: \{"/);
    expect(word(blocks[1]!.slice('data: '.length))).toBe('y');
  });

  test('unknown model, invalid request and not-ready model fail with a status before any event', async () => {
    const url = (model: string) => `${running.url}/v2/models/${model}/generate_stream`;
    expect((await postJson(url('nope'), prompt('a'))).status).toBe(404);
    const invalid = await postJson(url('text-stream'), {
      inputs: [{ name: 'p', shape: [2], datatype: 'BYTES', data: ['a'] }],
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { error: string }).error).toMatch(/input 'p' has shape \[2\]/);
    expect((await postJson(url('failing-load'), prompt('a'))).status).toBe(503);
  });

  test('a failure after the first event becomes a final `event: error`, then the stream ends', async () => {
    const events = await collectSse(`${running.url}/v2/models/broken-stream/generate_stream`, prompt('x'));
    expect(events.map((e) => e.event ?? 'message')).toEqual(['message', 'message', 'error']);
    expect(JSON.parse(events[2]!.data)).toEqual({ error: 'model error: the model ran out of memory' });
  });

  test('a unary runtime answers infer_stream with one event', async () => {
    const events = await collectSse(`${running.url}/v2/models/sum/infer_stream`, {
      inputs: [{ name: 'x', shape: [2], datatype: 'INT32', data: [2, 3] }],
    });
    expect(events).toHaveLength(1);
    expect((JSON.parse(events[0]!.data) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([5]);
  });

  test('a client that disconnects aborts the runtime signal and closes its iterator', async () => {
    const before = { aborted: observed.aborted.length, finished: observed.finished };
    const controller = new AbortController();
    let received = 0;
    try {
      for await (const _event of postSse(
        `${running.url}/v2/models/slow-stream/generate_stream`,
        prompt('go', { count: 1000, delay_ms: 20 }),
        { signal: controller.signal },
      )) {
        received++;
        if (received === 3) controller.abort();
      }
    } catch (err) {
      expect((err as Error).name).toBe('AbortError');
    }
    expect(received).toBe(3);
    await waitFor(() => observed.finished > before.finished);
    expect(observed.aborted.length).toBeGreaterThan(before.aborted);
    expect(observed.aborted.at(-1)).toMatch(/client disconnected/);
  });

  test('a slow reader is not buffered without bound: the runtime waits for drain', async () => {
    const before = observed.started;
    const producedBefore = observed.produced;
    const res = await fetch(`${running.url}/v2/models/slow-stream/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(prompt('go', { count: 10_000_000, delay_ms: 0 })),
    });
    await waitFor(() => observed.started > before);
    // The client reads nothing: once the socket buffers are full, the server must stop pulling.
    // Unbounded, a runtime with no pause produces tens of thousands of events per 500 ms; here
    // production must come to a standstill (no new event for 500 ms) within 15 s, however busy
    // the machine is.
    let last = observed.produced;
    let stillSince = Date.now();
    const deadline = Date.now() + 15_000;
    while (Date.now() - stillSince < 500) {
      if (Date.now() > deadline)
        throw new Error(`the runtime never stopped: ${observed.produced - producedBefore} events`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (observed.produced !== last) {
        last = observed.produced;
        stillSince = Date.now();
      }
    }
    expect(last - producedBefore).toBeGreaterThan(1000);
    await res.body!.cancel();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
