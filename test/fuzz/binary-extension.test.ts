import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import { binaryFramingProperty, rawBodyProperty } from './properties/rest-properties.js';
import { Campaign } from './support/campaign.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { HttpProbe } from './support/http-probe.js';

const FRAMED_RUNS = 250;
const RAW_RUNS = 60;

/**
 * Triton's binary tensor extension: a JSON header of `Inference-Header-Content-Length` bytes,
 * then each input's `binary_data_size` bytes. Valid framings must be answered with the echo
 * (in JSON or binary outputs); header lengths off by a few bytes, sizes that do not add up,
 * truncated or padded bodies, damaged headers and odd encodings must be a 4xx.
 */
describe('fuzzing the binary tensor extension (in-process server)', () => {
  let running: RunningServer;
  const campaign = new Campaign('binary-extension');
  beforeAll(async () => {
    running = await startFuzzServer();
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
  });

  test(
    'framed requests: a 4xx or the right answer',
    async () => {
      const probe = new HttpProbe(running.url);
      const figures = await campaign.run(
        'REST binary extension (framing)',
        (counter) => fc.assert(binaryFramingProperty(probe, counter), fcParameters(FRAMED_RUNS)),
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['200']).toBeGreaterThan(0);
      expect(figures.outcomes['400']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(FRAMED_RUNS),
  );

  test(
    'raw single-input bodies (Inference-Header-Content-Length: 0): odd sizes are a 400, even ones counted',
    async () => {
      const probe = new HttpProbe(running.url);
      const figures = await campaign.run(
        'REST binary extension (raw body)',
        (counter) => fc.assert(rawBodyProperty(probe, counter), fcParameters(RAW_RUNS)),
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['400']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(RAW_RUNS),
  );
});
