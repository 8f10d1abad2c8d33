import type { WebSocket } from 'ws';

/** Bytes buffered for a client past which the next message waits until its data is flushed. */
const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Sends a text message with backpressure: while the client reads fast enough the message is just
 * queued; once more than a megabyte waits to be flushed, the returned promise resolves only when
 * this message reached the socket, so a slow reader slows the session rather than growing the
 * server's memory. A closed connection takes nothing, and closing ends a wait.
 */
export function sendText(ws: WebSocket, text: string): Promise<void> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve();
  if (ws.bufferedAmount < HIGH_WATER_BYTES) {
    ws.send(text);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    // The callback runs once the data is out; a connection that closes first ends the wait too.
    const done = () => {
      ws.off('close', done);
      resolve();
    };
    ws.once('close', done);
    ws.send(text, done);
  });
}
