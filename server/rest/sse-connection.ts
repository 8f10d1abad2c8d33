import type { IncomingMessage, ServerResponse } from 'node:http';
import { Connection } from 'better-sse';

/** better-sse reads only the query string of this URL (for `lastEventId`): one shared, empty one. */
const NO_QUERY = new URL('http://localhost/');

/**
 * A lean better-sse connection for Node's HTTP/1 objects. better-sse's own adapter builds a
 * fetch-API `Request`, `Response`, `Headers` and `URL` per stream, which the server never reads;
 * at 10,000 held streams that is most of the per-stream memory better-sse adds. This adapter
 * gives the session only what it uses: a signal that fires when the client goes away, and
 * the head and chunk writers.
 */
export class LeanNodeConnection extends Connection {
  url = NO_QUERY;
  request: Request;
  response: Response;
  private readonly closed = new AbortController();
  private readonly onClose = () => this.closed.abort();

  constructor(
    private readonly res: ServerResponse<IncomingMessage>,
    private readonly headers: Record<string, string>,
  ) {
    super();
    // The session reads `request.signal` (and `request.headers` only when trusting a client's
    // Last-Event-ID, which we turn off); `response` only through getResponse(), never called.
    this.request = { signal: this.closed.signal } as unknown as Request;
    this.response = undefined as unknown as Response;
    res.once('close', this.onClose);
  }

  sendHead = (): void => {
    this.res.writeHead(200, { ...Connection.constants.RESPONSE_HEADERS, ...this.headers });
  };

  sendChunk = (chunk: string): void => {
    this.res.write(chunk);
  };

  cleanup = (): void => {
    this.res.removeListener('close', this.onClose);
  };
}
