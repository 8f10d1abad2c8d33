import { createParser } from 'eventsource-parser';
import { type Heard, parseMessage } from './transcripts.js';

/** A second connection that reads a session's responses as Server-Sent Events. */
export interface Follower {
  /** Resolves once the server answered 200: from then on no response of the session is missed. */
  ready: Promise<void>;
  /** Resolves with every transcript when the session ends (the server ends the event stream). */
  done: Promise<Heard[]>;
  /** Stops following. */
  close(): void;
}

/**
 * Follows the responses of the open session `sessionId` of `model`:
 * `GET /v2/models/{m}/sessions/{id}/events`, each event one InferenceResponse (`data:`), a failure
 * an `event: error`. Calls `onHeard` with each transcript as it arrives.
 */
export function follow(
  http: string,
  model: string,
  sessionId: string,
  onHeard: (heard: Heard) => void,
): Follower {
  const abort = new AbortController();
  const url = `${http}/v2/models/${encodeURIComponent(model)}/sessions/${encodeURIComponent(sessionId)}/events`;
  const response = fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  const ready = response.then(async (res) => {
    if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  });
  const done = response.then(async (res) => {
    await ready;
    const heard: Heard[] = [];
    let failure: string | undefined;
    const parser = createParser({
      onEvent(event) {
        const message = parseMessage(event.data);
        if (event.event === 'error' || message.error) failure = message.error ?? event.data;
        for (const h of message.heard) {
          heard.push(h);
          onHeard(h);
        }
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
    if (failure) throw new Error(`the session failed: ${failure}`);
    return heard;
  });
  return { ready, done, close: () => abort.abort() };
}
