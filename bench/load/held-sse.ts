import http from 'node:http';
import { SseEventCounter } from './sse-load.js';

/** N SSE streams opened and held by the client. */
export interface HeldSse {
  /** Streams whose request was written (the server sends the response head with the first event). */
  opened: number;
  /** Streams that failed: a connection error, or a status other than 200. */
  failed: number;
  /** Milliseconds until every stream's request was written (or had failed). */
  openMs: number;
  /** Resolves with how many streams got an event, once all did or `timeoutMs` passed. */
  served(timeoutMs: number): Promise<number>;
  /** Destroys every socket. */
  close(): void;
}

/**
 * Opens `count` SSE streams (`POST url` with `body`), at most `window` requests being written at
 * a time so the listen backlog does not overflow, and keeps them open. A stream counts as open
 * once its request is written: the server sends the response head only with the first event
 * (its headers may come from the runtime's first response), so waiting for heads would wait for
 * the release.
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
      let settled = false;
      const fail = () => {
        if (settled) return;
        settled = true;
        failed++;
        onServed?.();
      };
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) fail();
          const counter = new SseEventCounter();
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            counter.push(chunk);
            if (!settled && counter.events > 0) {
              settled = true;
              served++;
              onServed?.();
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => {
        fail();
        resolve();
      });
      req.end(body, () => {
        opened++;
        resolve();
      });
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
    get failed() {
      return failed;
    },
    openMs,
    served: (timeoutMs) =>
      new Promise((resolve) => {
        const done = () => resolve(served);
        const timer = setTimeout(done, timeoutMs);
        onServed = () => {
          if (served + failed >= opened) {
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
