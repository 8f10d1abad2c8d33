import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, RunningServer, Scenario } from '../context.js';
import { openGrpcStreams } from '../load/held-grpc.js';
import { openSseStreams } from '../load/held-sse.js';
import { openHeldWsSessions } from '../load/held-ws.js';
import { describeMachine } from '../machine.js';
import { type Measurement, unavailable } from '../measurement.js';
import { IDENTITY_BODY, typedRequest } from '../payloads.js';
import { bytesPerItem } from '../stats.js';

/** The identity tensor, asking the held model for a first response at once (see bench/models/held). */
const GREET_BODY = JSON.stringify({ ...JSON.parse(IDENTITY_BODY), parameters: { greet: true } });

/** Sockets kept free for everything else the processes hold. */
const SPARE_FILES = 500;

/** What opening, holding and releasing N streams measured. */
interface Held {
  opened: number;
  failed: number;
  openMs: number;
  served(timeoutMs: number): Promise<number>;
  close(): void;
}

/** Releases every stream the held model keeps waiting (a unary infer on it). */
async function release(server: RunningServer): Promise<void> {
  const res = await fetch(`${server.endpoints.http}/v2/models/held/infer`, {
    method: 'POST',
    body: IDENTITY_BODY,
  });
  if (!res.ok) throw new Error(`releasing the held streams answered ${res.status}`);
}

/**
 * On a fresh server (so earlier load has left no garbage to collect mid-measurement): reads its
 * idle RSS, opens N streams, waits for it to settle, reads RSS again, releases the streams and
 * counts the answers. Gives KB of server memory per open stream, time to open, and how many
 * were still served.
 */
async function holdStreams(
  start: () => Promise<RunningServer>,
  key: { id: string; label: string; side?: Measurement['side'] },
  count: number,
  open: (server: RunningServer) => Promise<Held>,
): Promise<Measurement> {
  const server = await start();
  let held: Held | undefined;
  try {
    await sleep(1000);
    const before = server.process.rssKiB();
    held = await open(server);
    await sleep(1500);
    const after = server.process.rssKiB();
    await release(server);
    const served = await held.served(30_000);
    return measured(key, count, held, served, before, after);
  } finally {
    held?.close();
    await server.process.stop();
  }
}

function measured(
  key: { id: string; label: string; side?: Measurement['side'] },
  count: number,
  held: Held,
  served: number,
  before: number,
  after: number,
): Measurement {
  const perStream = bytesPerItem(before, after, held.opened) / 1024;
  return {
    ...key,
    side: key.side ?? 'server',
    concurrency: count,
    value: perStream,
    unit: 'KB/stream',
    higherIsBetter: false,
    count: served,
    errors: count - served,
    extra: {
      opened: held.opened,
      served,
      openMs: held.openMs,
      rssBeforeMiB: before / 1024,
      rssAfterMiB: after / 1024,
    },
  };
}

/** How many streams the file limit lets both ends hold, and why it is fewer than asked, if it is. */
function streamCount(context: BenchContext): { count: number; note?: string } {
  const asked = context.config.heldStreams;
  const limit = describeMachine().openFileLimit;
  if (Number.isFinite(limit) && limit - SPARE_FILES < asked) {
    return {
      count: limit - SPARE_FILES,
      note: `ulimit -n is ${limit}: holding ${limit - SPARE_FILES} of ${asked}`,
    };
  }
  return { count: asked };
}

/**
 * N SSE `generate_stream` streams held open on the held model (head and first event sent), then
 * each answered once more; beside the same held by the bare `node:http` baseline and, with
 * `--compare`, by the other build (each a fresh process).
 */
export const heldSse: Scenario = {
  id: 'held-sse',
  async run(context) {
    const { count, note } = streamCount(context);
    const key = { id: this.id, label: 'SSE streams held, then each served' };
    if (!context.readyModels.has('held')) {
      return [
        unavailable(
          { ...key, side: 'server', concurrency: count, unit: 'KB/stream' },
          'held model not ready',
        ),
      ];
    }
    if (note) process.stderr.write(`${note}\n`);
    const open = (server: RunningServer) =>
      openSseStreams(new URL(`${server.endpoints.http}/v2/models/held/generate_stream`), GREET_BODY, count);
    const baseline = await holdStreams(context.startFreshBaseline, { ...key, side: 'baseline' }, count, open);
    const compare = context.startFreshCompare
      ? [await holdStreams(context.startFreshCompare, { ...key, side: 'compare' }, count, open)]
      : [];
    return [baseline, ...compare, await holdStreams(context.startFreshServer, key, count, open)];
  },
};

/** N gRPC `ModelStreamInfer` streams, each with one request waiting on the held model, then each answered. */
export const heldGrpc: Scenario = {
  id: 'held-grpc',
  async run(context) {
    const { count, note } = streamCount(context);
    const key = { id: this.id, label: 'gRPC bidi streams held, then each served' };
    const why =
      context.grpcUnavailable ??
      (context.readyModels.has('held') ? undefined : 'held model not ready') ??
      (context.server.grpc ? undefined : 'no gRPC listener');
    if (why || !context.proto || !context.server.grpc) {
      return [
        unavailable(
          { ...key, side: 'server', concurrency: count, unit: 'KB/stream' },
          why ?? 'no gRPC proto',
        ),
      ];
    }
    if (note) process.stderr.write(`${note}\n`);
    const { proto } = context;
    const open = (server: RunningServer) => {
      if (!server.endpoints.grpc) throw new Error('the fresh server logged no gRPC port');
      return openGrpcStreams(proto, server.endpoints.grpc, typedRequest('held'), count);
    };
    return [await holdStreams(context.startFreshServer, key, count, open)];
  },
};

/**
 * N WebSocket sessions (`…/held/infer_stream`), each with one request waiting on the held model
 * and nothing else moving (idle), then released; KB of server memory per session.
 */
export const heldWs: Scenario = {
  id: 'held-ws',
  async run(context) {
    const { count, note } = streamCount(context);
    const key = { id: this.id, label: 'WebSocket sessions held, then each served' };
    if (!context.readyModels.has('held')) {
      return [
        unavailable(
          { ...key, side: 'server', concurrency: count, unit: 'KB/stream' },
          'held model not ready',
        ),
      ];
    }
    if (note) process.stderr.write(`${note}\n`);
    const open = (server: RunningServer) =>
      openHeldWsSessions(
        `${server.endpoints.http.replace(/^http/, 'ws')}/v2/models/held/infer_stream`,
        IDENTITY_BODY,
        count,
      );
    return [await holdStreams(context.startFreshServer, key, count, open)];
  },
};
