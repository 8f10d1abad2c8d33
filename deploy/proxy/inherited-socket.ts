import { createServer } from 'node:net';

/** A listening TCP socket bound here, to be handed to a child process as file descriptor 3. */
export interface InheritedSocket {
  port: number;
  /** The descriptor to put at index 3 of the child's `stdio`. */
  fd: number;
  /** Closes this process's copy (call once the child holds its own). */
  close(): void;
}

/**
 * Binds `host:port` (port 0: the kernel picks a free one) and returns the listening descriptor,
 * so a proxy that cannot bind port 0 itself (HAProxy refuses `:0`) can inherit a port that is
 * already its own: nothing else can take it between picking and binding, as it could if we
 * bound, closed and passed the number. Node accepts nothing on it as long as the caller spawns
 * the child and closes this copy in the same tick.
 */
export async function bindForChild(host: string, port: number): Promise<InheritedSocket> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  // Node keeps the descriptor on the handle (libuv's uv_tcp_t); it is not public API, so check it.
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    server.close();
    throw new Error('cannot read the listening socket’s file descriptor on this platform');
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not a TCP socket');
  return { port: address.port, fd, close: () => server.close() };
}
