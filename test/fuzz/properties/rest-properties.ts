import fc from 'fast-check';
import {
  asJsonRequest,
  binaryRequest,
  frame,
  framingDamage,
  readBinaryAnswer,
} from '../support/binary-requests.js';
import { applyCorruptions, damaged } from '../support/corruption.js';
import { echoDifference, responseProblem } from '../support/echo-oracle.js';
import type { FigureCounter } from '../support/figures.js';
import { type HttpProbe, tryJson } from '../support/http-probe.js';
import type { FuzzModel } from '../support/models.js';
import { checkAnswer, checkSseAnswer, excerpt, judgeHttp, Violation } from '../support/verdicts.js';

const HEADER_LENGTH = 'inference-header-content-length';

/** A request for one of `models`, valid or damaged (by model name, so counterexamples print plainly). */
function bodies(models: readonly FuzzModel[]) {
  return fc.oneof(...models.map((m) => damaged(m.request).map((b) => ({ model: m.name, ...b }))));
}

function byName(models: readonly FuzzModel[], name: string): FuzzModel {
  return models.find((m) => m.name === name)!;
}

/**
 * REST `infer` with JSON bodies, valid and damaged: a 4xx with `{"error"}`, or the model's
 * answer to what JSON.parse reads from the body.
 */
export function restInferProperty(probe: HttpProbe, counter: FigureCounter, models: readonly FuzzModel[]) {
  return fc.asyncProperty(bodies(models), async ({ model, request, corruptions }) => {
    const body = applyCorruptions(request, corruptions);
    const outcome = await probe.post(`/v2/models/${model}/infer`, body);
    const answer = judgeHttp(counter, outcome, body, corruptions.length === 0);
    if (answer) checkAnswer(counter, answer, body, byName(models, model));
  });
}

/** SSE `infer_stream` with the same bodies: a 4xx, or an event stream of the right answers. */
export function ssePropertyOf(probe: HttpProbe, counter: FigureCounter, models: readonly FuzzModel[]) {
  return fc.asyncProperty(bodies(models), async ({ model, request, corruptions }) => {
    const body = applyCorruptions(request, corruptions);
    const outcome = await probe.post(`/v2/models/${model}/infer_stream`, body);
    const answer = judgeHttp(counter, outcome, body, corruptions.length === 0);
    if (answer) checkSseAnswer(counter, answer, body, byName(models, model));
  });
}

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
 * Triton's binary extension to `echo`: valid framings answered with the echo (JSON or binary
 * outputs); header lengths off, sizes that do not add up, cut or padded bodies, damaged headers
 * and odd encodings a 4xx.
 */
export function binaryFramingProperty(probe: HttpProbe, counter: FigureCounter) {
  return fc.asyncProperty(
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
  );
}

/** Raw single-input bodies (`Inference-Header-Content-Length: 0`) to `frames`: odd sizes a 400, even ones counted. */
export function rawBodyProperty(probe: HttpProbe, counter: FigureCounter) {
  return fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
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
  });
}
