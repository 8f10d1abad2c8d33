import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { expectStillServing } from './fuzz-server.js';
import { type FuzzCli, startFuzzCli } from './fuzz-cli.js';
import { garbageProperty, modelInferProperty, streamProperty } from './properties/grpc-properties.js';
import {
  binaryFramingProperty,
  rawBodyProperty,
  restInferProperty,
  ssePropertyOf,
} from './properties/rest-properties.js';
import { wsSessionProperty } from './properties/ws-property.js';
import { Campaign } from './support/campaign.js';
import type { FigureCounter, TransportFigures } from './support/figures.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { RawGrpcClient } from './support/grpc-wire.js';
import { HttpProbe } from './support/http-probe.js';
import { MODELS } from './support/models.js';

const RUNS = { rest: 200, sse: 80, binary: 120, grpc: 120, stream: 50, garbage: 120, ws: 80 };

/**
 * The same properties as the in-process suites, against the real CLI process as users run it
 * (runtimes loaded by the CLI's loader, the bundled ONNX `iris-classifier` in its worker thread,
 * settings from the folder's settings.json): every answer a 4xx or the right result, never a
 * 5xx, a reset, a hang or a crash; the process's descriptors back to where they were after
 * each transport, its streams closed, and it exits 0 on SIGTERM with nothing fatal in its log.
 */
describe('fuzzing the real CLI process', () => {
  let cli: FuzzCli;
  let campaign: Campaign;
  beforeAll(async () => {
    cli = await startFuzzCli();
    campaign = new Campaign('cli', cli.pid);
  }, 60_000);
  afterAll(async () => {
    campaign?.finish();
    if (cli && cli.cli.child.exitCode === null) await cli.close();
  });

  /** Runs one transport against the CLI; the process must be alive and serving afterwards. */
  async function fuzz(
    transport: string,
    body: (counter: FigureCounter) => Promise<void>,
    closeClients: () => Promise<void>,
  ): Promise<TransportFigures> {
    const figures = await campaign.run(transport, body, {
      closeClients,
      openSessions: () => cli.openStreams(),
    });
    if (cli.cli.child.exitCode !== null) figures.crashes++;
    expect(figures).toMatchObject({ crashes: 0, leakedHandles: 0, leakedSessions: 0 });
    await expectStillServing(cli.http);
    return figures;
  }

  test(
    'REST infer with JSON bodies (echo, typed, iris-classifier)',
    async () => {
      const probe = new HttpProbe(cli.http);
      const figures = await fuzz(
        'REST infer (JSON)',
        (counter) =>
          fc.assert(
            restInferProperty(probe, counter, [MODELS.echo, MODELS.typed, MODELS.iris]),
            fcParameters(RUNS.rest),
          ),
        () => probe.close(),
      );
      expect(figures.outcomes['200']).toBeGreaterThan(0);
      expect(figures.outcomes['400']).toBeGreaterThan(0);
    },
    testTimeout(RUNS.rest),
  );

  test(
    'SSE infer_stream with JSON bodies (words, iris-classifier)',
    async () => {
      const probe = new HttpProbe(cli.http);
      await fuzz(
        'SSE infer_stream (JSON)',
        (counter) =>
          fc.assert(ssePropertyOf(probe, counter, [MODELS.words, MODELS.iris]), fcParameters(RUNS.sse)),
        () => probe.close(),
      );
    },
    testTimeout(RUNS.sse),
  );

  test(
    'the binary tensor extension: framings and raw bodies',
    async () => {
      const probe = new HttpProbe(cli.http);
      await fuzz(
        'REST binary extension',
        async (counter) => {
          await fc.assert(binaryFramingProperty(probe, counter), fcParameters(RUNS.binary));
          await fc.assert(rawBodyProperty(probe, counter), fcParameters(RUNS.binary / 4));
        },
        () => probe.close(),
      );
    },
    testTimeout(RUNS.binary * 1.25),
  );

  test(
    'gRPC: well-formed messages that say the wrong thing, on ModelInfer and both stream flavours',
    async () => {
      const clients = [cli.grpc, cli.grpcTriton!].map((target) => new RawGrpcClient(target));
      await fuzz(
        'gRPC (protobuf)',
        async (counter) => {
          await fc.assert(modelInferProperty(clients[0]!, counter), fcParameters(RUNS.grpc));
          await fc.assert(streamProperty(clients[0]!, counter, 'MLServer'), fcParameters(RUNS.stream));
          await fc.assert(streamProperty(clients[1]!, counter, 'Triton'), fcParameters(RUNS.stream));
        },
        async () => {
          for (const c of clients) c.close();
        },
      );
    },
    testTimeout(RUNS.grpc + 2 * RUNS.stream),
  );

  test(
    'gRPC: garbage bytes as the message',
    async () => {
      const clients = [cli.grpc, cli.grpcTriton!].map((target) => new RawGrpcClient(target));
      await fuzz(
        'gRPC garbage bytes',
        (counter) => fc.assert(garbageProperty(clients, counter), fcParameters(RUNS.garbage)),
        async () => {
          for (const c of clients) c.close();
        },
      );
    },
    testTimeout(RUNS.garbage),
  );

  test(
    'WebSocket sessions fed random frames',
    async () => {
      const figures = await fuzz(
        'WebSocket frames',
        (counter) =>
          fc.assert(
            wsSessionProperty(cli.http, counter, [MODELS.echo, MODELS.words, MODELS.frames], 1024 * 1024),
            fcParameters(RUNS.ws),
          ),
        async () => undefined,
      );
      expect(figures.outcomes['1000']).toBeGreaterThan(0);
    },
    testTimeout(RUNS.ws, 400),
  );

  test('SIGTERM after the fuzzing: exit 0, nothing fatal or unhandled in the log', async () => {
    expect(await cli.close()).toBe(0);
    expect(cli.cli.output()).not.toMatch(/FATAL|Uncaught|unhandled|heap out of memory|Maximum call stack/i);
  });
});
