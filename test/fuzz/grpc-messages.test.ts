import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { garbageProperty, modelInferProperty, streamProperty } from './properties/grpc-properties.js';
import { Campaign } from './support/campaign.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { RawGrpcClient } from './support/grpc-wire.js';

const UNARY_RUNS = 250;
const STREAM_RUNS = 100;
const GARBAGE_RUNS = 200;

/**
 * gRPC messages sent as raw bytes (grpc-js with an identity serializer): well-formed protobuf
 * that says the wrong thing (contents in another field than the datatype's, element counts and
 * shapes that disagree, odd datatypes, raw contents miscounted or cut, raw and typed contents
 * together, odd parameters, unknown models). Every call ends OK with the echo, or with a status
 * that blames the client (INVALID_ARGUMENT, NOT_FOUND, …); never INTERNAL, UNKNOWN or a hang.
 */
describe('fuzzing gRPC with well-formed messages that say the wrong thing (in-process server)', () => {
  let running: RunningServer;
  const campaign = new Campaign('grpc-messages');
  beforeAll(async () => {
    running = await startFuzzServer({ grpc_triton_port: 0 });
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
  });

  test(
    'ModelInfer: an error status that blames the client, or the right answer',
    async () => {
      const client = new RawGrpcClient(`127.0.0.1:${running.ports.grpc}`);
      const figures = await campaign.run(
        'gRPC ModelInfer (protobuf)',
        (counter) => fc.assert(modelInferProperty(client, counter), fcParameters(UNARY_RUNS)),
        {
          closeClients: async () => client.close(),
          openSessions: () => running.server.dataplane.openSessions,
        },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes.OK).toBeGreaterThan(0);
      expect(figures.outcomes.INVALID_ARGUMENT).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(UNARY_RUNS),
  );

  for (const flavour of ['MLServer', 'Triton'] as const) {
    test(
      `ModelStreamInfer (${flavour} flavour): every reply well formed, the stream ends with OK or a client error`,
      async () => {
        const port = flavour === 'MLServer' ? running.ports.grpc : running.ports.grpcTriton;
        const client = new RawGrpcClient(`127.0.0.1:${port}`);
        const figures = await campaign.run(
          `gRPC ModelStreamInfer, ${flavour} flavour (protobuf)`,
          (counter) => fc.assert(streamProperty(client, counter, flavour), fcParameters(STREAM_RUNS)),
          {
            closeClients: async () => client.close(),
            openSessions: () => running.server.dataplane.openSessions,
          },
        );
        expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
        expect(figures.outcomes.OK).toBeGreaterThan(0);
        await expectStillServing(running.url);
      },
      testTimeout(STREAM_RUNS),
    );
  }
});

/**
 * Garbage bytes (random, truncated or bit-flipped protobuf, wrong wire types, huge lengths) as
 * the message of ModelInfer and of ModelStreamInfer on both flavours: the server's wire codec
 * decodes these methods itself, so each call ends INVALID_ARGUMENT (in-band on the Triton
 * stream) or another status that blames the client, never INTERNAL.
 */
describe('fuzzing gRPC with garbage bytes as the message (in-process server)', () => {
  let running: RunningServer;
  const campaign = new Campaign('grpc-garbage');
  beforeAll(async () => {
    running = await startFuzzServer({ grpc_triton_port: 0 });
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
  });

  test(
    'ModelInfer and ModelStreamInfer (both flavours): garbage gets a status that blames the client',
    async () => {
      const clients = [running.ports.grpc, running.ports.grpcTriton].map(
        (p) => new RawGrpcClient(`127.0.0.1:${p}`),
      );
      const figures = await campaign.run(
        'gRPC garbage bytes',
        (counter) => fc.assert(garbageProperty(clients, counter), fcParameters(GARBAGE_RUNS)),
        {
          closeClients: async () => {
            for (const c of clients) c.close();
          },
          openSessions: () => running.server.dataplane.openSessions,
        },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      await expectStillServing(running.url);
    },
    testTimeout(GARBAGE_RUNS),
  );
});
