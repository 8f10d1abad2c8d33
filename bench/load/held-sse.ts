import http from 'node:http';
import { SseEventCounter } from './sse-load.js';

/** N SSE streams opened and held by the client. */
export interface HeldSse {
  /** Streams whose response head (200, text/event-stream) and first event arrived. */
  opened: number;
  /** Streams that failed to open. */
  failed: number;
  /** Milliseconds until every stream was open (or had failed). */
  openMs: number;
  /** Resolves with how many streams got their second event, once all did or `timeoutMs` passed. */
  served(timeoutMs: number): Promise<number>;
  /** Destroys every socket. */
  close(): void;
}

/**
 * Opens `count` SSE streams (`POST url` with `body`, which asks the held model for a first
 * response at once), at most `window` opening at a time so the listen backlog does not
 * overflow, and keeps them open. A stream is open when its head and first event arrived (the
 * server sends its head with the first event), served when its second event arrived.
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
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) opened++;
        else failed++;
        resolve();
      };
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) settle(false);
          const counter = new SseEventCounter();
          let counted = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            counter.push(chunk);
            if (counter.events >= 1) settle(true);
            if (!counted && counter.events > 1) {
              counted = true;
              served++;
              onServed?.();
            }
          });
          res.on('error', () => undefined);
          res.on('close', () => settle(false));
        },
      );
      req.on('error', () => settle(false));
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
