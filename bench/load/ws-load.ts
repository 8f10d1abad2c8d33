import WebSocket from 'ws';
import type { OpOutcome } from './closed-loop.js';

/** One long WebSocket session per client: each operation sends a request and waits for its answer. */
export interface WsSessions {
  op(worker: number): Promise<OpOutcome>;
  close(): void;
}

/**
 * Opens `clients` WebSocket sessions on `url` (`ws://…/v2/models/<m>/infer_stream`) and gives
 * the closed loop an operation per client: send `body` as a text message, wait for the next
 * message; an `{"error"…}` message or a closed socket is a failed operation.
 */
export async function openWsSessions(url: string, body: string, clients: number): Promise<WsSessions> {
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  const op = (worker: number): Promise<OpOutcome> => {
    const ws = sockets[worker]!;
    if (ws.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false });
    return new Promise((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        ws.off('close', onClose);
        resolve({ ok: !data.toString().startsWith('{"error"') });
      };
      const onClose = () => {
        ws.off('message', onMessage);
        resolve({ ok: false });
      };
      ws.once('message', onMessage);
      ws.once('close', onClose);
      ws.send(body);
    });
  };
  return {
    op,
    close: () => {
      for (const ws of sockets) ws.terminate();
    },
  };
}
