import fc from 'fast-check';
import type { FigureCounter } from '../support/figures.js';
import { garbage } from '../support/grpc-garbage.js';
import {
  type GrpcDamage,
  type GrpcRequest,
  grpcDamage,
  grpcEchoDifference,
  grpcRequest,
  grpcResponseProblem,
  requestInit,
} from '../support/grpc-requests.js';
import {
  CLIENT_ERROR_STATUSES,
  decodeResponse,
  decodeStreamResponse,
  encode,
  type GrpcOutcome,
  MESSAGES,
  PATHS,
  type RawGrpcClient,
} from '../support/grpc-wire.js';
import { Violation } from '../support/verdicts.js';

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

function describeDamage(damage: readonly GrpcDamage[]): string {
  return JSON.stringify(damage, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** ModelInfer with well-formed messages, valid or damaged: a status blaming the client, or the echo. */
export function modelInferProperty(client: RawGrpcClient, counter: FigureCounter) {
  return fc.asyncProperty(damagedRequest('echo'), async ({ request, damage }) => {
    const bytes = encoded(request, damage);
    if (!bytes) return;
    const sent = `${describeDamage(damage)} on ${hex(bytes)}`;
    const outcome = await client.unary(PATHS.infer, bytes);
    judgeStatus(counter, outcome, sent, damage.length === 0);
    if (outcome.status !== 'OK') return;
    const response = decodeResponse(outcome.replies[0]!);
    const problem =
      damage.length === 0 ? grpcEchoDifference(request, response) : grpcResponseProblem(response);
    if (problem) throw wrong(counter, problem, sent);
  });
}

/**
 * ModelStreamInfer with one to three such messages: every reply well formed (in-band errors on
 * the Triton flavour), the stream ends with OK or a status blaming the client, clean streams
 * are answered in full.
 */
export function streamProperty(
  client: RawGrpcClient,
  counter: FigureCounter,
  flavour: 'MLServer' | 'Triton',
) {
  return fc.asyncProperty(
    fc
      .constantFrom('words', 'echo')
      .chain((model) =>
        fc.array(damagedRequest(model), { minLength: 1, maxLength: 3 }).map((runs) => ({ model, runs })),
      ),
    async ({ model, runs }) => {
      const messages = runs.map((r) => encoded(r.request, r.damage));
      if (messages.some((m) => m === undefined)) return;
      const clean = runs.every((r) => r.damage.length === 0);
      const sent = `${model}: ${runs.map((r) => describeDamage(r.damage)).join(' | ')}`;
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
  );
}

/**
 * Garbage bytes as the message of ModelInfer (on `clients[0]`) and of ModelStreamInfer on each
 * client: a status that blames the client.
 */
export function garbageProperty(clients: readonly RawGrpcClient[], counter: FigureCounter) {
  return fc.asyncProperty(garbage, fc.nat({ max: clients.length }), async (bytes, where) => {
    const sent = `garbage ${hex(bytes)} (${where === 0 ? 'ModelInfer' : `ModelStreamInfer on listener ${where - 1}`})`;
    const outcome =
      where === 0
        ? await clients[0]!.unary(PATHS.infer, bytes)
        : await clients[where - 1]!.stream(PATHS.stream, [bytes]);
    judgeStatus(counter, outcome, sent, false);
  });
}
