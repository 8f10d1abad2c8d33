import fc from 'fast-check';
import type { FigureCounter } from '../support/figures.js';
import { tryJson } from '../support/http-probe.js';
import type { FuzzModel } from '../support/models.js';
import { responseProblem } from '../support/echo-oracle.js';
import { Violation } from '../support/verdicts.js';
import { frameOp, playSession, type SessionRecord } from '../support/ws-frames.js';

/**
 * Close codes that say the session ended, the client erred (1007: a text message that is not
 * UTF-8, which RFC 6455 says must close the connection; 1009: a message past the limit; 44xx)
 * or the server is going away.
 */
const ALLOWED_CLOSES = new Set([1000, 1001, 1002, 1007, 1009, 4400, 4404, 4413, 4415, 4429]);

function judgeSession(
  counter: FigureCounter,
  fuzzModel: FuzzModel,
  record: SessionRecord,
  drop: boolean,
  sent: string,
): void {
  const f = counter.figures;
  const model = fuzzModel.name;
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
  const perRequest = fuzzModel.perRequest;
  for (const [id, request] of record.valid) {
    const responses = answered.get(id) ?? [];
    if (responses.length !== perRequest) {
      f.wrongResults++;
      throw fail(`${responses.length} responses to valid request ${id}`);
    }
    for (const response of responses) {
      const difference = fuzzModel.difference(request, response);
      if (difference) {
        f.wrongResults++;
        throw fail(`${id}: ${difference}`);
      }
    }
  }
}

/**
 * Sessions on `models` fed random frames (valid and damaged requests, text garbage, binary
 * frames of odd sizes, fragments, empty frames, frames one byte past `messageLimit`, pings),
 * ended by the client or dropped: every server message a response or `{"error"}`, every close
 * allowed, valid requests before the end answered.
 */
export function wsSessionProperty(
  base: string,
  counter: FigureCounter,
  models: readonly FuzzModel[],
  messageLimit: number,
) {
  return fc.asyncProperty(
    fc.constantFrom(...models.map((m) => m.name)).chain((name) =>
      fc.record({
        model: fc.constant(name),
        ops: fc.array(frameOp(models.find((m) => m.name === name)!.request), { minLength: 1, maxLength: 8 }),
      }),
    ),
    fc.boolean(),
    async ({ model, ops }, dropBit) => {
      const drop = dropBit && ops.length % 3 === 0;
      const sent = JSON.stringify(ops.map((op) => op.kind));
      const record = await playSession(`${base}/v2/models/${model}/infer_stream`, ops, {
        drop,
        hugeBytes: messageLimit + 1,
      });
      judgeSession(counter, models.find((m) => m.name === model)!, record, drop, sent);
    },
  );
}
