import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import { closeWithin } from './listen.js';
import type { Logger } from './logger.js';
import type { ConnectionSettings } from './settings/security-settings.js';
import { type GuardedSockets, guardSockets } from './socket-guard.js';

/** The HTTP listener: the Node server, its guarded sockets and the requests it is running. */
export interface HttpListener {
  server: Server;
  sockets: GuardedSockets;
  /** Responses not yet closed. */
  inflight: Set<ServerResponse>;
}

/**
 * Creates the HTTP (or, with `tls`, HTTPS) server with the connection settings: header,
 * request and keep-alive timeouts (Node enforces them, checking every `connectionsCheckingInterval`),
 * the connection cap and the greeting timeout. Node's header timeout also runs from the moment a
 * connection opens, so a client that sends half a request line is answered 408 and closed.
 */
export function createHttpListener(
  handler: RequestListener,
  settings: ConnectionSettings,
  tls: TlsOptions | undefined,
  logger: Logger,
): HttpListener {
  const requestTimeout = settings.http_request_timeout * 1000;
  // Node refuses a header timeout longer than a non-zero request timeout.
  const headersTimeout = Math.min(
    settings.http_headers_timeout * 1000,
    requestTimeout > 0 ? requestTimeout : Number.POSITIVE_INFINITY,
  );
  const timeouts = {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: settings.http_keep_alive_timeout * 1000,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)),
  };
  const greetingTimeoutMs = settings.connection_handshake_timeout * 1000;
  const server = tls
    ? createHttpsServer({ ...tls, ...timeouts, handshakeTimeout: greetingTimeoutMs }, handler)
    : createServer(timeouts, handler);
  server.keepAliveTimeout = timeouts.keepAliveTimeout;
  const sockets = guardSockets(server, {
    what: 'HTTP',
    setting: 'http_max_connections',
    maxConnections: settings.http_max_connections,
    greetingTimeoutMs,
    // Over TLS the handshake timeout is the greeting (the raw socket's counters stop at the handshake).
    greetingBytes: tls ? 0 : 1,
    logger,
  });
  // A set and one shared listener: a held stream costs the server no promise or closure here.
  const inflight = new Set<ServerResponse>();
  function forget(this: ServerResponse): void {
    inflight.delete(this);
  }
  server.on('request', (_req, res: ServerResponse) => {
    inflight.add(res);
    res.on('close', forget);
  });
  return { server, sockets, inflight };
}

/**
 * Drains the HTTP listener on shutdown. The port stays open while the requests that were running
 * when the drain began finish (at most `graceMs`): meanwhile new requests, on new or kept-alive
 * connections, are answered 503 with `Connection: close` by the REST app (health routes still
 * answer), so a client that reaches the server during the drain gets an answer it can retry
 * rather than a refused or reset connection. Then the port closes, idle connections close, and
 * what is left gets a moment before it is cut. After `graceMs`, `onExpired` aborts what still runs.
 */
export async function drainHttpListener(
  listener: HttpListener,
  graceMs: number,
  onExpired: () => void,
  /** Work on upgraded connections (WebSocket sessions) that the grace period also waits for. */
  upgraded: Promise<void> = Promise.resolve(),
): Promise<void> {
  const { server, sockets, inflight } = listener;
  if (!server.listening) return;
  const running = Promise.all([...closedAll(inflight), upgraded]).then(() => undefined);
  await closeWithin(running, graceMs, onExpired, () => server.closeAllConnections());
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const finished = Promise.all(closedAll(inflight));
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  server.closeAllConnections();
  sockets.destroyAll();
  await closed;
}

/** A promise per response still open, resolving when it closes. */
function closedAll(responses: ReadonlySet<ServerResponse>): Promise<void>[] {
  return [...responses].map((res) =>
    res.closed ? Promise.resolve() : new Promise<void>((resolve) => res.once('close', () => resolve())),
  );
}
