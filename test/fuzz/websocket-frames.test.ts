import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { Campaign } from './support/campaign.js';
import { echoDifference, responseProblem } from './support/echo-oracle.js';
import type { FigureCounter } from './support/figures.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { tryJson } from './support/http-probe.js';
import { Violation } from './support/verdicts.js';
import { frameOp, playSession, type SessionRecord, VALID_REQUESTS } from './support/ws-frames.js';

const SESSION_RUNS = 300;
const MESSAGE_LIMIT = 64 * 1024;
/**
 * Close codes that say the session ended, the client erred (1007: a text message that is not
 * UTF-8, which RFC 6455 says must close the connection; 1009: a message past the limit; 44xx)
 * or the server is going away.
 */
const ALLOWED_CLOSES = new Set([1000, 1001, 1002, 1007, 1009, 4400, 4404, 4413, 4415, 4429]);

/** Why a response is not the answer of `model` to `request`: the echo, or `frames`' sample count. */
function answerDifference(
  model: string,
  request: Record<string, unknown>,
  response: unknown,
): string | undefined {
  if (model !== 'frames') return echoDifference(request, response, model);
  const audio = (request.inputs as { data: unknown[] }[])[0]!;
  const count = (response as { outputs: { data: unknown[] }[] }).outputs[0]?.data[0];
  const expected = audio.data.flat(Number.POSITIVE_INFINITY).length;
  return count === expected ? undefined : `count ${String(count)}, not ${expected}`;
}

function judgeSession(
  counter: FigureCounter,
  model: string,
  record: SessionRecord,
  drop: boolean,
  sent: string,
): void {
  const f = counter.figures;
  counter.count(drop ? 'dropped by the client' : record.code, record.frames);
  f.inputs -= 1;
  const fail = (why: string) =>
    new Violation(`${model}: ${why}; sent ${sent}; got ${JSON.stringify(record.messages).slice(0, 400)}`);
  if (record.code === 'hang') {
    f.hangs++;
    throw fail('the session did not close in time');
  }
  if (record.code === 'refused') throw fail(`upgrade refused (${record.reason})`);
  if (!drop && !ALLOWED_CLOSES.has(record.code)) {
    if (record.code === 1006) f.crashes++;
    else f.serverErrorsForClientMistakes++;
    throw fail(`closed ${record.code} ${record.reason}`);
  }
  const answered = new Map<string, unknown[]>();
  for (const text of record.messages) {
    const message = tryJson(text)?.value as Record<string, unknown> | undefined;
    if (!message || typeof message !== 'object')
      throw fail(`a message that is not JSON: ${text.slice(0, 100)}`);
    if ('error' in message) {
      if (typeof message.error !== 'string') throw fail('an error that is not a string');
      if (typeof message.id === 'string' && record.valid.has(message.id)) {
        f.wrongResults++;
        throw fail(`valid request ${message.id} answered with an error: ${message.error}`);
      }
      continue;
    }
    const problem = responseProblem(message, model);
    if (problem) {
      f.wrongResults++;
      throw fail(problem);
    }
    const id = String(message.id);
    answered.set(id, [...(answered.get(id) ?? []), message]);
  }
  // A session that ended normally answered every valid request, each with the echo.
  if (drop || record.code !== 1000) return;
  const perRequest = model === 'words' ? 2 : 1;
  for (const [id, request] of record.valid) {
    const responses = answered.get(id) ?? [];
    if (responses.length !== perRequest) {
      f.wrongResults++;
      throw fail(`${responses.length} responses to valid request ${id}`);
    }
    for (const response of responses) {
      const difference = answerDifference(model, request, response);
      if (difference) {
        f.wrongResults++;
        throw fail(`${id}: ${difference}`);
      }
    }
  }
}

/**
 * WebSocket sessions fed random frames: valid and damaged requests, text garbage, binary frames
 * of odd sizes, fragmented messages, empty frames, frames past the size limit, pings, in any
 * order, ended by the client or dropped. Every server message is a response or `{"error"}`,
 * every valid request before the end is echoed, the close is 1000, 1009 or 44xx (never 4500 or
 * an abnormal close), and no session outlives its connection.
 */
describe('fuzzing WebSocket sessions with random frames (in-process server)', () => {
  let running: RunningServer;
  const campaign = new Campaign('websocket-frames');
  beforeAll(async () => {
    running = await startFuzzServer({ http_max_request_size: MESSAGE_LIMIT });
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
  });

  test(
    'every message a response or {"error"}, every close 1000/1009/44xx, valid requests echoed',
    async () => {
      const figures = await campaign.run(
        'WebSocket frames',
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(
              fc.constantFrom('echo', 'words', 'frames').chain((model) =>
                fc.record({
                  model: fc.constant(model),
                  ops: fc.array(frameOp(VALID_REQUESTS[model]!), { minLength: 1, maxLength: 8 }),
                }),
              ),
              fc.boolean(),
              async ({ model, ops }, dropBit) => {
                const drop = dropBit && ops.length % 3 === 0;
                const sent = JSON.stringify(ops.map((op) => op.kind));
                const record = await playSession(`${running.url}/v2/models/${model}/infer_stream`, ops, {
                  drop,
                  hugeBytes: MESSAGE_LIMIT + 1,
                });
                judgeSession(counter, model, record, drop, sent);
              },
            ),
            fcParameters(SESSION_RUNS),
          );
        },
        { closeClients: async () => undefined, openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['1000']).toBeGreaterThan(0);
      expect(figures.outcomes['1009']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(SESSION_RUNS, 400),
  );
});
