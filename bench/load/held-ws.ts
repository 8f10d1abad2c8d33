import WebSocket from 'ws';

/** N WebSocket sessions opened and held by the client, each having sent one request. */
export interface HeldWs {
  /** Sessions whose handshake completed. */
  opened: number;
  /** Sessions refused or failed before their answer. */
  failed: number;
  /** Milliseconds until every session was open and had sent its request (or had failed). */
  openMs: number;
  /** Resolves with how many sessions got their answer, once all did or `timeoutMs` passed. */
  served(timeoutMs: number): Promise<number>;
  /** Terminates every socket. */
  close(): void;
}

/**
 * Opens `count` WebSocket sessions on `url`, at most `window` handshakes in flight so the listen
 * backlog does not overflow, sends `body` on each and keeps them open, idle, until the server
 * answers (the held model answers when released).
 */
export async function openHeldWsSessions(
  url: string,
  body: string,
  count: number,
  window = 256,
): Promise<HeldWs> {
  const sockets: WebSocket[] = [];
  let opened = 0;
  let failed = 0;
  let served = 0;
  let onServed: (() => void) | undefined;
  const begun = performance.now();
  const openOne = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(ws);
      let answered = false;
      ws.once('open', () => {
        opened++;
        ws.send(body, () => resolve());
      });
      ws.on('message', (data) => {
        if (answered) return;
        answered = true;
        if (data.toString().startsWith('{"error"')) failed++;
        else served++;
        onServed?.();
      });
      ws.on('error', () => undefined);
      ws.once('close', () => {
        if (!answered) {
          answered = true;
          failed++;
          onServed?.();
        }
        resolve();
      });
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
      for (const ws of sockets) ws.terminate();
    },
  };
}
