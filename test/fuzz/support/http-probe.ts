import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, request } from 'undici';
import { REQUEST_TIMEOUT_MS } from './fuzz-settings.js';

/** How an HTTP exchange ended: an answer, no answer in time, or a broken connection. */
export type HttpOutcome =
  | {
      kind: 'answer';
      status: number;
      contentType: string;
      text: string;
      bytes: Buffer;
      headers: Record<string, string | string[] | undefined>;
    }
  | { kind: 'hang' }
  | { kind: 'reset'; message: string };

/**
 * A client of one server with its own connection pool, so a suite can close every connection
 * it opened and then count what the server still holds. Every request has a time limit: no
 * answer within it is a hang.
 */
export class HttpProbe {
  private readonly agent = new Agent({ connections: 4, keepAliveTimeout: 2_000, pipelining: 0 });

  constructor(readonly base: string) {}

  /** POSTs `body` (JSON by default) and reads the whole answer. */
  post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<HttpOutcome> {
    return this.exchange('POST', path, body, { 'content-type': 'application/json', ...headers });
  }

  /** GETs a path and reads the whole answer. */
  get(path: string): Promise<HttpOutcome> {
    return this.exchange('GET', path, undefined, {});
  }

  private async exchange(
    method: 'GET' | 'POST',
    path: string,
    body: string | Uint8Array | undefined,
    headers: Record<string, string>,
  ): Promise<HttpOutcome> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      const res = await request(`${this.base}${path}`, {
        method,
        body,
        headers,
        dispatcher: this.agent,
        signal,
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      const type = res.headers['content-type'];
      return {
        kind: 'answer',
        status: res.statusCode,
        contentType: String(type ?? ''),
        text: bytes.toString('utf8'),
        bytes,
        headers: res.headers,
      };
    } catch (err) {
      if (signal.aborted) return { kind: 'hang' };
      return { kind: 'reset', message: (err as Error).message };
    }
  }

  /** Closes every connection of this client. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The events of a Server-Sent Events body (a real SSE parser). */
export function sseEvents(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

/** JSON.parse, or undefined when the text is not JSON. */
export function tryJson(text: string | Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8')) };
  } catch {
    return undefined;
  }
}

/** Whether an error answer has the REST error body `{"error": "…"}`. */
export function isErrorBody(text: string): boolean {
  const parsed = tryJson(text)?.value as { error?: unknown } | undefined;
  return typeof parsed?.error === 'string';
}
