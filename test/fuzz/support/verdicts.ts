import type { FigureCounter } from './figures.js';
import { type HttpOutcome, isErrorBody, sseEvents, tryJson } from './http-probe.js';
import type { FuzzModel } from './models.js';

/** A property failed: the message says what the server did with which input. */
export class Violation extends Error {
  override name = 'Violation';
}

/** The start of a body, printable, for failure messages. */
export function excerpt(bytes: string | Uint8Array, max = 300): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
}

/**
 * Counts an HTTP answer and fails on what the property forbids: no answer in time, a broken
 * connection, a 5xx, a valid request refused, a 4xx without `{"error"}`. Returns the answer
 * when it is a 200 (for the caller to check its content).
 */
export function judgeHttp(
  counter: FigureCounter,
  outcome: HttpOutcome,
  sent: string | Uint8Array,
  valid: boolean,
): (HttpOutcome & { kind: 'answer' }) | undefined {
  const figures = counter.figures;
  if (outcome.kind === 'hang') {
    counter.count('hang');
    figures.hangs++;
    throw new Violation(`no answer in time to ${excerpt(sent)}`);
  }
  if (outcome.kind === 'reset') {
    counter.count('reset');
    figures.crashes++;
    throw new Violation(`connection broken (${outcome.message}) by ${excerpt(sent)}`);
  }
  counter.count(outcome.status);
  if (outcome.status >= 500) {
    figures.serverErrorsForClientMistakes++;
    throw new Violation(`${outcome.status} ${outcome.text.slice(0, 300)} for ${excerpt(sent)}`);
  }
  if (valid && outcome.status !== 200)
    throw new Violation(`valid request refused: ${outcome.status} ${outcome.text} for ${excerpt(sent)}`);
  if (outcome.status === 200) return outcome;
  if (!isErrorBody(outcome.text))
    throw new Violation(`${outcome.status} without {"error"}: ${outcome.text.slice(0, 200)}`);
  return undefined;
}

/** Fails unless a 200 is `model`'s answer to the body it was sent. */
export function checkAnswer(
  counter: FigureCounter,
  answer: { text: string },
  sent: string | Uint8Array,
  model: FuzzModel,
  request: unknown = tryJson(sent)?.value,
): void {
  const wrong = (why: string) => {
    counter.figures.wrongResults++;
    return new Violation(`${model.name}: ${why} for ${excerpt(sent)}; answer ${answer.text.slice(0, 300)}`);
  };
  if (request === undefined) throw wrong('accepted a body JSON.parse rejects');
  const response = tryJson(answer.text);
  if (!response) throw wrong('the answer is not JSON');
  const difference = model.difference(request, response.value);
  if (difference) throw wrong(difference);
}

/** Fails unless a 200 SSE answer carries `model`'s answers (`perRequest` events) and no error event. */
export function checkSseAnswer(
  counter: FigureCounter,
  answer: { text: string; contentType: string },
  sent: string | Uint8Array,
  model: FuzzModel,
): void {
  const wrong = (why: string) => {
    counter.figures.wrongResults++;
    return new Violation(
      `${model.name} (SSE): ${why} for ${excerpt(sent)}; answer ${answer.text.slice(0, 300)}`,
    );
  };
  if (!answer.contentType.startsWith('text/event-stream')) throw wrong(`content type ${answer.contentType}`);
  const events = sseEvents(answer.text);
  if (events.some((e) => e.event === 'error')) throw wrong('an error event');
  if (events.length !== model.perRequest) throw wrong(`${events.length} events, not ${model.perRequest}`);
  const request = tryJson(sent)?.value;
  for (const event of events) checkAnswer(counter, { text: event.data }, sent, model, request);
}
