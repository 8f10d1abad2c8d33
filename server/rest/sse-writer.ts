import { once } from 'node:events';
import type { Request, Response } from 'express';
import { createSession, type EventBuffer, type Session } from 'better-sse';
import { LeanNodeConnection } from './sse-connection.js';

/**
 * One Server-Sent Events response. Each event is a bare `data: <json>\n\n` (what MLServer
 * sends, so httpx-sse clients parse it unchanged); errors are `event: error`. Writes wait for
 * `drain`, so a slow client never makes the server buffer without bound.
 */
export class SseWriter {
  private constructor(
    private readonly session: Session,
    private readonly res: Response,
  ) {}

  /** Sends the SSE response head (200, `text/event-stream`) with extra headers. */
  static async open(_req: Request, res: Response, headers: Record<string, string>): Promise<SseWriter> {
    res.socket?.setNoDelay(true);
    const session = await createSession(new LeanNodeConnection(res, headers), {
      retry: null,
      keepAlive: 15_000,
      trustClientEventId: false,
      // A space after the colon, as MLServer writes it (parsers drop it).
      serializer: (data) => ` ${data as string}`,
    });
    return new SseWriter(session, res);
  }

  /** True while the client is connected. */
  get connected(): boolean {
    return this.session.isConnected && !this.res.destroyed;
  }

  /** Sends one `data:` event and waits until the socket can take more. */
  async send(json: string, signal: AbortSignal): Promise<void> {
    await this.write((buffer) => buffer.data(json).dispatch(), signal);
  }

  /** Sends a final `event: error` with `{"error": message}`. */
  async sendError(message: string, signal: AbortSignal): Promise<void> {
    await this.write(
      (buffer) =>
        buffer
          .event('error')
          .data(JSON.stringify({ error: message }))
          .dispatch(),
      signal,
    );
  }

  /** Ends the response. */
  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  private async write(fill: (buffer: EventBuffer) => void, signal: AbortSignal): Promise<void> {
    if (!this.connected) return;
    await this.session.batch(fill);
    if (this.res.writableNeedDrain && !signal.aborted) {
      await once(this.res, 'drain', { signal }).catch(() => undefined);
    }
  }
}
