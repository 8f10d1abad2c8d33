import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/** The head of every stream: what better-sse sent, which proxies and browsers know not to buffer. */
const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'private, no-cache, no-store, no-transform, must-revalidate, max-age=0',
  Connection: 'keep-alive',
  Pragma: 'no-cache',
  'X-Accel-Buffering': 'no',
});

/** How often an open stream gets a comment line, so proxies and clients see it alive. */
export const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = ':\n\n';

/** Every open stream, pinged by one shared timer (no timer, listener or closure per stream). */
const open = new Set<SseWriter>();
let ticker: NodeJS.Timeout | undefined;

function ping(): void {
  for (const writer of open) writer.keepAlive();
  if (open.size === 0 && ticker) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/**
 * One Server-Sent Events response on Node's response, with nothing else per stream: the head
 * goes out with the first event (one write each), each event is a bare `data: <json>\n\n` (what
 * MLServer sends, so httpx-sse clients parse it unchanged), errors are `event:error`. Writes wait
 * for `drain`, so a slow client never makes the server buffer without bound. Open streams get
 * a `:` comment every 15 s from one timer shared by all.
 */
export class SseWriter {
  private constructor(private readonly res: ServerResponse) {}

  /**
   * Starts the SSE response (200, `text/event-stream`, with extra headers); the head goes out with
   * the first event, or now when `flush` is set (a stream whose first event may take a while).
   */
  static open(res: ServerResponse, headers: Record<string, string>, flush = false): SseWriter {
    res.writeHead(200, isEmpty(headers) ? SSE_HEADERS : { ...SSE_HEADERS, ...headers });
    if (flush) res.flushHeaders();
    const writer = new SseWriter(res);
    open.add(writer);
    ticker ??= setInterval(ping, KEEP_ALIVE_MS).unref();
    return writer;
  }

  /** True while the client is connected and the stream not ended. */
  get connected(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Sends one `data:` event and waits until the socket can take more. */
  send(json: string, signal: AbortSignal): Promise<void> {
    return this.write(`data: ${json}\n\n`, signal);
  }

  /** Sends a final `event:error` with `{"error": message}`. */
  sendError(message: string, signal: AbortSignal): Promise<void> {
    return this.write(`event:error\ndata: ${JSON.stringify({ error: message })}\n\n`, signal);
  }

  /** Ends the response. */
  end(): void {
    open.delete(this);
    if (!this.res.writableEnded) this.res.end();
  }

  /** Writes the keep-alive comment (the shared timer calls it). */
  keepAlive(): void {
    if (this.connected) this.res.write(KEEP_ALIVE);
  }

  private async write(text: string, signal: AbortSignal): Promise<void> {
    if (!this.connected) return;
    if (!this.res.write(text) && !signal.aborted && this.connected) {
      await once(this.res, 'drain', { signal }).catch(() => undefined);
    }
  }
}

function isEmpty(headers: Record<string, string>): boolean {
  for (const _ in headers) return false;
  return true;
}
