import { postSse } from './helpers/sse-client.js';
import { postJson, startTestServer } from './helpers/test-server.js';

describe('max_inflight_requests sheds load', () => {
  test('past the limit a call gets 429 at once; when a call ends the next is admitted', async () => {
    const running = await startTestServer({ max_inflight_requests: 1 });
    const controller = new AbortController();
    try {
      const stream = postSse(
        `${running.url}/v2/models/slow-stream/generate_stream`,
        {
          inputs: [{ name: 'p', shape: [1], datatype: 'BYTES', data: ['go'] }],
          parameters: { count: 1000, delay_ms: 20 },
        },
        { signal: controller.signal },
      )[Symbol.asyncIterator]();
      await stream.next(); // the stream holds the only slot
      const refused = await postJson(`${running.url}/v2/models/sum/infer`, {
        inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }],
      });
      expect(refused.status).toBe(429);
      expect((refused.body as { error: string }).error).toBe(
        'the server is running its limit of 1 concurrent inference calls (setting max_inflight_requests); retry later',
      );
      controller.abort();
      await stream.return?.(undefined).catch(() => undefined);
      let admitted = 0;
      for (let attempt = 0; attempt < 100 && admitted !== 200; attempt++) {
        admitted = (
          await postJson(`${running.url}/v2/models/sum/infer`, {
            inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }],
          })
        ).status;
        if (admitted !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(admitted).toBe(200);
    } finally {
      controller.abort();
      await running.stop();
    }
  });

  test('no limit by default', async () => {
    const running = await startTestServer();
    try {
      expect(running.settings.max_inflight_requests).toBeNull();
      const calls = await Promise.all(
        Array.from({ length: 20 }, () =>
          postJson(`${running.url}/v2/models/sum/infer`, {
            inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }],
          }),
        ),
      );
      expect(calls.every((c) => c.status === 200)).toBe(true);
    } finally {
      await running.stop();
    }
  });
});
