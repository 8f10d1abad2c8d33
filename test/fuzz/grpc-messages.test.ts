import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { Campaign } from './support/campaign.js';
import type { FigureCounter } from './support/figures.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { garbage } from './support/grpc-garbage.js';
import {
  type GrpcDamage,
  type GrpcRequest,
  grpcDamage,
  grpcEchoDifference,
  grpcRequest,
  grpcResponseProblem,
  requestInit,
} from './support/grpc-requests.js';
import {
  CLIENT_ERROR_STATUSES,
  decodeResponse,
  decodeStreamResponse,
  encode,
  type GrpcOutcome,
  MESSAGES,
  PATHS,
  RawGrpcClient,
} from './support/grpc-wire.js';
import { Violation } from './support/verdicts.js';

const UNARY_RUNS = 400;
const STREAM_RUNS = 150;
const GARBAGE_RUNS = 300;

/** A request with up to three kinds of damage (none for about one run in five). */
const damagedRequest = (model: string) =>
  fc.record({
    request: grpcRequest(model),
    damage: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as GrpcDamage[]) },
      { weight: 4, arbitrary: fc.array(grpcDamage, { minLength: 1, maxLength: 3 }) },
    ),
  });

/** Encodes a request, or undefined when the damage cannot be written as protobuf at all. */
function encoded(request: GrpcRequest, damage: readonly GrpcDamage[]): Uint8Array | undefined {
  try {
    return encode(MESSAGES.request, requestInit(request, damage));
  } catch {
    return undefined;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).subarray(0, 120).toString('hex');
}

/** Counts a call's status and fails on a hang or a status that blames the server. */
function judgeStatus(counter: FigureCounter, outcome: GrpcOutcome, sent: string, valid: boolean): void {
  counter.count(outcome.status);
  const f = counter.figures;
  if (outcome.status === 'hang') {
    f.hangs++;
    throw new Violation(`no answer in time to ${sent}`);
  }
  if (outcome.status === 'UNAVAILABLE') {
    f.crashes++;
    throw new Violation(`UNAVAILABLE (${outcome.details}) after ${sent}`);
  }
  if (outcome.status !== 'OK' && !CLIENT_ERROR_STATUSES.has(outcome.status)) {
    f.serverErrorsForClientMistakes++;
    throw new Violation(`${outcome.status} (${outcome.details}) for ${sent}`);
  }
  if (valid && outcome.status !== 'OK')
    throw new Violation(`valid request refused: ${outcome.status} ${outcome.details}`);
}

function wrong(counter: FigureCounter, why: string, sent: string): Violation {
  counter.figures.wrongResults++;
  return new Violation(`${why} for ${sent}`);
}

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
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(damagedRequest('echo'), async ({ request, damage }) => {
              const bytes = encoded(request, damage);
              if (!bytes) return;
              const sent = `${JSON.stringify(damage, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))} on ${hex(bytes)}`;
              const outcome = await client.unary(PATHS.infer, bytes);
              judgeStatus(counter, outcome, sent, damage.length === 0);
              if (outcome.status !== 'OK') return;
              const response = decodeResponse(outcome.replies[0]!);
              const problem =
                damage.length === 0 ? grpcEchoDifference(request, response) : grpcResponseProblem(response);
              if (problem) throw wrong(counter, problem, sent);
            }),
            fcParameters(UNARY_RUNS),
          );
        },
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
          async (counter) => {
            await fc.assert(
              fc.asyncProperty(
                fc
                  .constantFrom('words', 'echo')
                  .chain((model) =>
                    fc
                      .array(damagedRequest(model), { minLength: 1, maxLength: 3 })
                      .map((runs) => ({ model, runs })),
                  ),
                async ({ model, runs }) => {
                  const messages = runs.map((r) => encoded(r.request, r.damage));
                  if (messages.some((m) => m === undefined)) return;
                  const clean = runs.every((r) => r.damage.length === 0);
                  const sent = `${model}: ${runs.map((r) => JSON.stringify(r.damage, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).join(' | ')}`;
                  const outcome = await client.stream(PATHS.stream, messages as Uint8Array[]);
                  counter.figures.inputs += messages.length - 1;
                  judgeStatus(counter, outcome, sent, clean);
                  const perRequest = model === 'words' ? 2 : 1;
                  const responses = outcome.replies.map((reply) => {
                    if (flavour === 'MLServer') return decodeResponse(reply);
                    const envelope = decodeStreamResponse(reply);
                    if (envelope.errorMessage) {
                      if (clean) throw wrong(counter, `in-band error ${envelope.errorMessage}`, sent);
                      return undefined;
                    }
                    if (!envelope.inferResponse) throw wrong(counter, 'an empty envelope', sent);
                    return envelope.inferResponse;
                  });
                  for (const [i, response] of responses.entries()) {
                    if (!response) continue;
                    const request = runs[Math.floor(i / perRequest)]?.request;
                    const problem =
                      clean && request
                        ? grpcEchoDifference({ ...request, model }, response)
                        : grpcResponseProblem(response);
                    if (problem) throw wrong(counter, problem, sent);
                  }
                  if (clean && responses.length !== runs.length * perRequest)
                    throw wrong(counter, `${responses.length} replies to ${runs.length} requests`, sent);
                },
              ),
              fcParameters(STREAM_RUNS),
            );
          },
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
 * Fails on current main: grpc-js answers INTERNAL ("Error deserializing request") when
 * proto-loader cannot decode a message, and the server never sees the call. The grpc-codec
 * branch decodes ModelInfer/ModelStreamInfer itself and answers INVALID_ARGUMENT (in-band on
 * the Triton stream); these pass once it is merged.
 */
describe('PENDING the gRPC wire codec (branch grpc-codec): garbage bytes as the message', () => {
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
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(garbage, fc.constantFrom(0, 1, 2), async (bytes, where) => {
              const sent = `garbage ${hex(bytes)} (${['ModelInfer', 'MLServer stream', 'Triton stream'][where]})`;
              const outcome =
                where === 0
                  ? await clients[0]!.unary(PATHS.infer, bytes)
                  : await clients[where - 1]!.stream(PATHS.stream, [bytes]);
              judgeStatus(counter, outcome, sent, false);
            }),
            fcParameters(GARBAGE_RUNS),
          );
        },
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
