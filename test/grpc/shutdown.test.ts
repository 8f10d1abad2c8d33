import * as grpc from '@grpc/grpc-js';
import { expect, it } from '@jest/globals';
import { call, clientFor, runtimeStarted, seenByRuntimes, startServer, textInput } from './harness.js';
import { openStream } from './stream-client.js';

const seen = seenByRuntimes();

it('a graceful stop ends health watches, then aborts streams still running after the grace period', async () => {
  const h = await startServer({ shutdown_grace_period: 0.2 });
  const Health = clientFor('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
  const health = new Health(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
  try {
    const watch = openStream<{ status: string }>(health, { method: 'Watch' });
    // Watch is server-streaming: the helper's write/end are not used.
    expect(await watch.next()).toEqual({ status: 'SERVING' });

    const stream = openStream(h.mlserver);
    stream.write({ model_name: 'hang', id: 'shut-1', inputs: [textInput('x')] });
    await runtimeStarted('shut-1');

    const stopped = h.server.stop();
    expect(await watch.next()).toEqual({ status: 'NOT_SERVING' });
    expect(await watch.status).toMatchObject({ code: grpc.status.OK });
    expect(await stream.status).toEqual({
      code: grpc.status.UNAVAILABLE,
      details: 'server shut down before the request finished',
    });
    await stopped;
    expect(seen.aborts.at(-1)).toMatchObject({ name: 'UnavailableError' });
    await expect(call(h.mlserver, 'ServerLive', {}, { deadline: Date.now() + 2000 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  } finally {
    health.close();
    await h.close();
  }
});
