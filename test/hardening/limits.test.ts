import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { call, clientFor } from '../grpc/harness.js';
import { postJson, type RunningServer, startTestServer } from '../helpers/test-server.js';

const SESSIONS = path.resolve(import.meta.dirname, '../fixtures/sessions');
const x = { name: 'x', shape: [1], datatype: 'INT32', data: [1] };

describe('time limits and freed slots', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({
      model_repository_root: SESSIONS,
      inference_timeout: 0.3,
      max_inflight_requests: 2,
    });
  });
  afterAll(() => running.stop());

  test('a hung predict answers 504 after inference_timeout, and its slot is free at once', async () => {
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(
        [1, 2].map(() => postJson(`${running.url}/v2/models/stuck/infer`, { inputs: [x] })),
      );
      for (const reply of replies) {
        expect(reply.status).toBe(504);
        expect((reply.body as { error: string }).error).toBe(
          "model 'stuck' did not answer within 0.3 s (setting inference_timeout)",
        );
      }
    }
    // Six hung requests later, with max_inflight_requests 2, other models still answer.
    const ok = await postJson(`${running.url}/v2/models/accumulator/infer`, {
      inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [1] }],
    });
    expect(ok.status).toBe(200);
  });

  test('a client that gives up frees its slot at once (no timeout needed)', async () => {
    for (let i = 0; i < 4; i++) {
      const controller = new AbortController();
      const pending = fetch(`${running.url}/v2/models/stuck/infer`, {
        method: 'POST',
        body: JSON.stringify({ inputs: [x] }),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      await pending;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ok = await postJson(`${running.url}/v2/models/accumulator/infer`, {
      inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [1] }],
    });
    expect(ok.status).toBe(200);
  });
});

describe('memory limits', () => {
  let running: RunningServer;
  let client: grpc.Client;
  beforeAll(async () => {
    running = await startTestServer({
      model_repository_root: SESSIONS,
      max_tensor_bytes: 1024,
      max_request_tensor_bytes: 1536,
      max_inflight_bytes: 4096,
    });
    const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    client = new Client(`127.0.0.1:${running.ports.grpc}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await running.stop();
  });

  test('a tensor over max_tensor_bytes is a 413 before it is built (REST) or used (gRPC)', async () => {
    const reply = await postJson(`${running.url}/v2/models/echo-stream/infer_stream`, {
      inputs: [{ name: 'x', shape: [300], datatype: 'INT32', data: new Array(300).fill(1) }],
    });
    expect(reply.status).toBe(413);
    expect((reply.body as { error: string }).error).toMatch(
      /over the limit of 1024 bytes per input \(setting max_tensor_bytes\)/,
    );
    const error = (await call(client, 'ModelInfer', {
      model_name: 'accumulator',
      inputs: [
        { name: 'step', datatype: 'INT32', shape: [300], contents: { int_contents: new Array(300).fill(1) } },
      ],
    }).catch((err: unknown) => err)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/max_tensor_bytes/);
  });

  test('a request whose tensors add up over max_request_tensor_bytes is a 413', async () => {
    const input = (name: string) => ({ name, shape: [200], datatype: 'INT32', data: new Array(200).fill(1) });
    const reply = await postJson(`${running.url}/v2/models/echo-stream/infer_stream`, {
      inputs: [input('a'), input('b')],
    });
    expect(reply.status).toBe(413);
    expect((reply.body as { error: string }).error).toMatch(/max_request_tensor_bytes/);
  });

  test('past max_inflight_bytes held by other requests, a body is refused with 429', async () => {
    // Two slow uploads hold 3,000 bytes; a third of 2,000 would pass the 4,096-byte budget.
    const held: (() => void)[] = [];
    const slow = [0, 1].map(
      () =>
        new Promise<void>((resolve) => {
          const req = http.request(`${running.url}/v2/models/stuck/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          });
          req.on('error', () => resolve());
          req.write(' '.repeat(1500));
          // Held until the third request was answered.
          held.push(() => {
            req.destroy();
            resolve();
          });
        }),
    );
    while (running.server.dataplane.heldBytes < 3000) await new Promise((resolve) => setTimeout(resolve, 10));
    const refused = await postJson(`${running.url}/v2/models/accumulator/infer`, ' '.repeat(2000));
    expect(refused.status).toBe(429);
    expect((refused.body as { error: string }).error).toMatch(/max_inflight_bytes/);
    for (const release of held) release();
    await Promise.all(slow);
    while (running.server.dataplane.heldBytes > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });
});
