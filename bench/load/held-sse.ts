import http from 'node:http';
import { SseEventCounter } from './sse-load.js';

/** N SSE streams opened and held by the client. */
export interface HeldSse {
  /** Streams whose response head (200, text/event-stream) arrived. */
  opened: number;
  /** Streams that failed to open. */
  failed: number;
  /** Milliseconds until every stream was open (or had failed). */
  openMs: number;
  /** Resolves with how many streams got an event, once all did or `timeoutMs` passed. */
  served(timeoutMs: number): Promise<number>;
  /** Destroys every socket. */
  close(): void;
}

/**
 * Opens `count` SSE streams (`POST url` with `body`), at most `window` handshakes in flight at a
 * time so the listen backlog does not overflow, and keeps them open.
 */
export async function openSseStreams(url: URL, body: string, count: number, window = 256): Promise<HeldSse> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const requests: http.ClientRequest[] = [];
  let opened = 0;
  let failed = 0;
  let served = 0;
  let onServed: (() => void) | undefined;
  const begun = performance.now();
  const openOne = () =>
    new Promise<void>((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          if (res.statusCode === 200) opened++;
          else failed++;
          resolve();
          const counter = new SseEventCounter();
          let counted = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            counter.push(chunk);
            if (!counted && counter.events > 0) {
              counted = true;
              served++;
              onServed?.();
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
      requests.push(req);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, count) }, async () => {
      while (next < count) {
        next++;
        await openOne();
      }
    }),
  );
  const openMs = performance.now() - begun;
  return {
    opened,
    failed,
    openMs,
    served: (timeoutMs) =>
      new Promise((resolve) => {
        const done = () => resolve(served);
        const timer = setTimeout(done, timeoutMs);
        onServed = () => {
          if (served >= opened) {
            clearTimeout(timer);
            done();
          }
        };
        onServed();
      }),
    close: () => {
      for (const req of requests) req.destroy();
      agent.destroy();
    },
  };
}
