import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';

/** A port the server could not listen on: names the setting (and its environment variable) to change. */
export class ListenError extends Error {
  constructor(what: string, setting: string, host: string, port: number, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const detail = /EADDRINUSE|already in use/i.test(`${code} ${(cause as Error)?.message}`)
      ? 'the address is already in use'
      : /EACCES|permission/i.test(`${code} ${(cause as Error)?.message}`)
        ? 'permission denied'
        : String((cause as Error)?.message ?? cause);
    super(
      `cannot serve ${what} on ${host}:${port}: ${detail}; change the setting ${setting} (environment variable MLSERVER_${setting.toUpperCase()})`,
      { cause },
    );
    this.name = 'ListenError';
  }
}

/** Starts listening; resolves with the bound port (port 0 picks a free one). */
export function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Closes an HTTP server gracefully: stop accepting, let open requests finish, close idle
 * keep-alive connections as they become idle; after `graceMs`, call `onExpired` (which aborts
 * running requests) and cut what is left.
 */
export async function closeGracefully(server: Server, graceMs: number, onExpired: () => void): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  await closeWithin(closed, graceMs, onExpired, () => server.closeAllConnections());
  clearInterval(sweeper);
}

/**
 * Waits for a server that stopped accepting to close; after `graceMs`, calls `onExpired` (which
 * aborts running requests), gives them a moment to say so in-band, then `cut`s what is left.
 * Shared by the HTTP and gRPC listeners.
 */
export async function closeWithin(
  closed: Promise<void>,
  graceMs: number,
  onExpired: () => void,
  cut: () => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
  });
  const outcome = await Promise.race([closed, expired]);
  clearTimeout(timer);
  if (outcome === 'expired') {
    onExpired();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    cut();
    await closed;
  }
}
