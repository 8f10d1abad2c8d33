import path from 'node:path';
import { expect } from '@jest/globals';
import { echoDifference } from './support/echo-oracle.js';
import { HttpProbe, tryJson } from './support/http-probe.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';

/** The fuzz suites' models (see the README there). */
export const FUZZ_MODELS = path.resolve(import.meta.dirname, '../fixtures/fuzz');

/** A server on port 0 over the fuzz models (small limits, so huge inputs are cheap to send). */
export function startFuzzServer(overrides: Record<string, unknown> = {}): Promise<RunningServer> {
  return startTestServer({
    model_repository_root: FUZZ_MODELS,
    shutdown_grace_period: 1,
    http_max_request_size: 1024 * 1024,
    max_tensor_bytes: 256 * 1024,
    max_request_tensor_bytes: 512 * 1024,
    ...overrides,
  });
}

/** The request every suite ends with: health answers and the echo answers correctly. */
export const CHECK_REQUEST = {
  id: 'after-the-fuzz',
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [2, 2], data: [1, 2.5, -3, 4] },
    { name: 'b', datatype: 'BYTES', shape: [1], data: ['still here'] },
  ],
};

/** Asserts the server still answers health and a correct echo request over REST. */
export async function expectStillServing(base: string): Promise<void> {
  const probe = new HttpProbe(base);
  try {
    const live = await probe.get('/v2/health/live');
    expect(live).toMatchObject({ kind: 'answer', status: 200 });
    const ready = await probe.get('/v2/health/ready');
    expect(ready).toMatchObject({ kind: 'answer', status: 200 });
    const answer = await probe.post('/v2/models/echo/infer', JSON.stringify(CHECK_REQUEST));
    expect(answer).toMatchObject({ kind: 'answer', status: 200 });
    const response = tryJson((answer as { text: string }).text)?.value;
    expect(echoDifference(CHECK_REQUEST, response, 'echo')).toBeUndefined();
  } finally {
    await probe.close();
  }
}
