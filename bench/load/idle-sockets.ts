import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** A raw TCP connection opened by a flood, and what the server did with it. */
export interface FloodSocket {
  socket: Socket;
  /** Bytes the server sent before closing (a 408 for a half HTTP request, GOAWAY for HTTP/2). */
  received: () => Buffer;
  /** Resolves when the connection is closed (by the server: the flood never closes its own). */
  closed: Promise<void>;
}

/** The soft limit on open files of this process (`ulimit -n`), from /proc/self/limits. */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(soft) ? soft : 1024;
}

/** Opens one raw connection and, once connected, writes `greeting` (if any) and nothing more. */
export function openIdleSocket(port: number, greeting?: string | Buffer): Promise<FloodSocket> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset from the server is a close like any other
    socket.once('connect', () => {
      socket.off('error', reject);
      if (greeting) socket.write(greeting);
      resolve({ socket, received: () => Buffer.concat(chunks), closed });
    });
    socket.once('error', reject);
  });
}

/**
 * Opens `count` idle connections to a port, `batch` at a time (the listen backlog stays small),
 * every `halfEvery`-th one sending `half` (a request or preface cut short). Resolves once all are
 * connected.
 */
export async function floodPort(
  port: number,
  count: number,
  options: { half?: string | Buffer; halfEvery?: number; batch?: number } = {},
): Promise<FloodSocket[]> {
  const sockets: FloodSocket[] = [];
  const batch = options.batch ?? 200;
  for (let start = 0; start < count; start += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, i) => {
        const n = start + i;
        const half = options.halfEvery && n % options.halfEvery === 0 ? options.half : undefined;
        return openIdleSocket(port, half);
      }),
    );
    sockets.push(...opened);
  }
  return sockets;
}
