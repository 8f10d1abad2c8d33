import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One received SSE event with its arrival time. */
export interface ReceivedEvent extends EventSourceMessage {
  receivedAt: number;
}

/** Opens an SSE stream with a POST and yields parsed events as they arrive (a real SSE parser). */
export async function* postSse(
  url: string,
  body: unknown,
  options: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): AsyncGenerator<ReceivedEvent, void, undefined> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  if (!res.ok || !res.body) {
    throw Object.assign(new Error(`HTTP ${res.status}: ${await res.text()}`), { status: res.status });
  }
  const queue: ReceivedEvent[] = [];
  const parser = createParser({ onEvent: (event) => queue.push({ ...event, receivedAt: Date.now() }) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    while (queue.length > 0) yield queue.shift()!;
  }
}

/** Reads a whole SSE stream into a list of events. */
export async function collectSse(url: string, body: unknown): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = [];
  for await (const event of postSse(url, body)) events.push(event);
  return events;
}
