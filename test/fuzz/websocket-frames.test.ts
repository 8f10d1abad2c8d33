import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { wsSessionProperty } from './properties/ws-property.js';
import { Campaign } from './support/campaign.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { MODELS } from './support/models.js';

const SESSION_RUNS = 200;
const MESSAGE_LIMIT = 64 * 1024;

/**
 * WebSocket sessions fed random frames: valid and damaged requests, text garbage, binary frames
 * of odd sizes, fragmented messages, empty frames, frames past the size limit, pings, in any
 * order, ended by the client or dropped. Every server message is a response or `{"error"}`,
 * every valid request before the end is answered, the close is 1000, 1007, 1009 or 44xx (never
 * 4500 or an abnormal close), and no session outlives its connection.
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
    'every message a response or {"error"}, every close 1000/1007/1009/44xx, valid requests answered',
    async () => {
      const figures = await campaign.run(
        'WebSocket frames',
        (counter) =>
          fc.assert(
            wsSessionProperty(
              running.url,
              counter,
              [MODELS.echo, MODELS.words, MODELS.frames],
              MESSAGE_LIMIT,
            ),
            fcParameters(SESSION_RUNS),
          ),
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
