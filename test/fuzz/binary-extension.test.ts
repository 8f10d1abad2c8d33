import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RunningServer } from '../helpers/test-server.js';
import { expectStillServing, startFuzzServer } from './fuzz-server.js';
import {
  asJsonRequest,
  binaryRequest,
  frame,
  framingDamage,
  readBinaryAnswer,
} from './support/binary-requests.js';
import { Campaign } from './support/campaign.js';
import { echoDifference, responseProblem } from './support/echo-oracle.js';
import type { FigureCounter } from './support/figures.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { HttpProbe, tryJson } from './support/http-probe.js';
import { excerpt, judgeHttp, Violation } from './support/verdicts.js';

const FRAMED_RUNS = 400;
const RAW_RUNS = 100;
const HEADER_LENGTH = 'inference-header-content-length';

/** The answer as JSON: plain, or read back from the binary extension when it came that way. */
function answerJson(answer: { bytes: Buffer; text: string; headers: Record<string, unknown> }): unknown {
  const length = answer.headers[HEADER_LENGTH];
  return length === undefined ? tryJson(answer.text)?.value : readBinaryAnswer(answer.bytes, Number(length));
}

function wrong(counter: FigureCounter, why: string, body: Buffer): Violation {
  counter.figures.wrongResults++;
  return new Violation(`${why} for ${excerpt(body)}`);
}

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
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(
              binaryRequest,
              fc.oneof(
                { weight: 1, arbitrary: fc.constant([]) },
                { weight: 4, arbitrary: fc.array(framingDamage, { minLength: 1, maxLength: 3 }) },
              ),
              async (request, damage) => {
                const framed = frame(request, damage);
                const outcome = await probe.post('/v2/models/echo/infer', framed.body, framed.headers);
                const answer = judgeHttp(counter, outcome, framed.body, framed.valid);
                if (!answer) return;
                let response: unknown;
                try {
                  response = answerJson(answer);
                } catch (err) {
                  throw wrong(counter, `unreadable answer (${(err as Error).message})`, framed.body);
                }
                const problem = framed.valid
                  ? echoDifference(asJsonRequest(request), response, 'echo')
                  : responseProblem(response, 'echo');
                if (problem) throw wrong(counter, problem, framed.body);
              },
            ),
            fcParameters(FRAMED_RUNS),
          );
        },
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
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
              const body = Buffer.from(bytes);
              const outcome = await probe.post('/v2/models/frames/infer', body, {
                'content-type': 'application/octet-stream',
                [HEADER_LENGTH]: '0',
              });
              const answer = judgeHttp(counter, outcome, body, body.length % 2 === 0);
              if (!answer) return;
              if (body.length % 2 === 1) throw wrong(counter, 'an odd INT16 body was accepted', body);
              const response = answerJson(answer) as { outputs?: { data?: unknown[] }[] };
              const count = response?.outputs?.[0]?.data?.[0];
              if (count !== body.length / 2) throw wrong(counter, `count ${String(count)}`, body);
            }),
            fcParameters(RAW_RUNS),
          );
        },
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['400']).toBeGreaterThan(0);
      await expectStillServing(running.url);
    },
    testTimeout(RAW_RUNS),
  );
});
