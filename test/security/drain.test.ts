import { Agent, request } from 'node:http';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { startTestServer } from '../helpers/test-server.js';

const REPO = path.resolve(import.meta.dirname, '../fixtures/security/repo');
const started = () => (globalThis as { __waitModelStarted?: string[] }).__waitModelStarted ?? [];

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function send(
  url: string,
  agent: Agent | false,
  method = 'GET',
  body?: string,
  signal?: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, method, signal, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('during the drain: requests on kept-alive and on new connections get 503 with Connection: close, health answers; the port closes when the running request ends', async () => {
  const running = await startTestServer({ model_repository_root: REPO, shutdown_grace_period: 60 });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // A kept-alive connection that has already served a request.
    const first = await send(`${running.url}/v2/health/live`, keepAlive);
    expect([first.status, first.connection]).toEqual([200, 'keep-alive']);
    // A request that runs until its client gives up.
    const giveUp = new AbortController();
    const slow = send(
      `${running.url}/v2/models/wait/infer`,
      false,
      'POST',
      JSON.stringify({ id: 'slow', inputs: [], parameters: { wait_ms: 600_000 } }),
      giveUp.signal,
    ).catch((err: Error) => err);
    while (!started().includes('slow')) await new Promise((resolve) => setTimeout(resolve, 10));

    const stopped = running.stop();
    const kept = await send(`${running.url}/v2/models/wait`, keepAlive);
    expect(kept).toEqual({ status: 503, connection: 'close', body: '{"error":"server is shutting down"}' });
    const fresh = await send(`${running.url}/v2/models/wait/infer`, false, 'POST', '{"inputs":[]}');
    expect([fresh.status, fresh.connection]).toEqual([503, 'close']);
    const live = await send(`${running.url}/v2/health/live`, false);
    expect([live.status, live.connection, live.body]).toEqual([200, 'close', '{"live":true}']);
    const ready = await send(`${running.url}/v2/health/ready`, false);
    expect([ready.status, ready.connection]).toEqual([400, 'close']);

    giveUp.abort();
    expect(await slow).toMatchObject({ name: 'AbortError' });
    await stopped;
    await expect(send(`${running.url}/v2/health/live`, false)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  } finally {
    keepAlive.destroy();
    await running.stop();
  }
});
