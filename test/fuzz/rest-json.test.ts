import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { Campaign } from './support/campaign.js';
import { applyCorruptions, damaged } from './support/corruption.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { HttpProbe } from './support/http-probe.js';
import { echoRequest, typedRequest } from './support/requests.js';
import { checkEchoAnswer, checkSseAnswer, judgeHttp } from './support/verdicts.js';

const UNARY_RUNS = 500;
const SSE_RUNS = 250;

/** A request for one of the fuzz models, valid or damaged. */
const bodies = (models: { name: string; request: fc.Arbitrary<Record<string, unknown>> }[]) =>
  fc.oneof(...models.map(({ name, request }) => damaged(request).map((b) => ({ model: name, ...b }))));

/**
 * JSON bodies for REST `infer` and SSE `infer_stream`: random valid requests, and the same
 * damaged (types swapped, shapes and datatypes that do not fit, deep nesting, huge numbers,
 * odd unicode, nulls, repeated keys, bytes flipped). Every answer is a 4xx with `{"error"}` or
 * exactly the echo of what JSON.parse reads from the body; never a 5xx, a reset or a hang.
 */
describe('fuzzing REST and SSE with JSON bodies (in-process server)', () => {
  let running: RunningServer;
  const campaign = new Campaign('rest-json');
  beforeAll(async () => {
    running = await startFuzzServer();
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
  });

  test(
    'REST infer: a 4xx or the right answer',
    async () => {
      const probe = new HttpProbe(running.url);
      const figures = await campaign.run(
        'REST infer (JSON)',
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(
              bodies([
                { name: 'echo', request: echoRequest },
                { name: 'typed', request: typedRequest },
              ]),
              async ({ model, request, corruptions }) => {
                const body = applyCorruptions(request, corruptions);
                const outcome = await probe.post(`/v2/models/${model}/infer`, body);
                const answer = judgeHttp(counter, outcome, body, corruptions.length === 0);
                if (answer) checkEchoAnswer(counter, answer, body, model);
              },
            ),
            fcParameters(UNARY_RUNS),
          );
        },
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      // Both kinds of answer happen: the damage is not all caught, nor all let through.
      expect(figures.outcomes['200']).toBeGreaterThan(0);
      expect(figures.outcomes['400']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(UNARY_RUNS),
  );

  test(
    'SSE infer_stream: a 4xx, or an event stream of the right answers',
    async () => {
      const probe = new HttpProbe(running.url);
      const figures = await campaign.run(
        'SSE infer_stream (JSON)',
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(
              bodies([
                { name: 'words', request: echoRequest },
                { name: 'echo', request: echoRequest },
                { name: 'typed', request: typedRequest },
              ]),
              async ({ model, request, corruptions }) => {
                const body = applyCorruptions(request, corruptions);
                const outcome = await probe.post(`/v2/models/${model}/infer_stream`, body);
                const answer = judgeHttp(counter, outcome, body, corruptions.length === 0);
                if (answer) checkSseAnswer(counter, answer, body, model, model === 'words' ? 2 : 1);
              },
            ),
            fcParameters(SSE_RUNS),
          );
        },
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['200']).toBeGreaterThan(0);
      expect(figures.outcomes['400']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(SSE_RUNS),
  );
});
