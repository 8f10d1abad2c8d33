import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { restInferProperty, ssePropertyOf } from './properties/rest-properties.js';
import { Campaign } from './support/campaign.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { HttpProbe } from './support/http-probe.js';
import { MODELS } from './support/models.js';

const UNARY_RUNS = 300;
const SSE_RUNS = 150;

/**
 * JSON bodies for REST `infer` and SSE `infer_stream`: random valid requests, and the same
 * damaged (types swapped, shapes and datatypes that do not fit, deep nesting, huge numbers,
 * odd unicode, nulls, repeated keys, bulk data past the limits, bytes flipped). Every answer is
 * a 4xx with `{"error"}` or exactly the echo of what JSON.parse reads from the body; never a
 * 5xx, a reset or a hang.
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
        (counter) =>
          fc.assert(restInferProperty(probe, counter, [MODELS.echo, MODELS.typed]), fcParameters(UNARY_RUNS)),
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
        (counter) =>
          fc.assert(
            ssePropertyOf(probe, counter, [MODELS.words, MODELS.echo, MODELS.typed]),
            fcParameters(SSE_RUNS),
          ),
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
