import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import type { Logger } from './logger.js';

/** How a listening socket server guards itself against connection floods. */
export interface SocketGuardOptions {
  /** What the port serves, for log lines ("HTTP", "gRPC"). */
  what: string;
  /** The setting that caps connections, named in the log line when it drops one. */
  setting: string;
  /** Open connections allowed at once; beyond it Node closes new ones as they arrive. Null: no cap. */
  maxConnections: number | null;
  /** A new connection must have sent `greetingBytes` bytes within this many milliseconds. */
  greetingTimeoutMs: number;
  /** Bytes that make a greeting: 1 for HTTP/1.1 (its header timeout does the rest), 24 for HTTP/2's preface. */
  greetingBytes: number;
  logger: Logger;
}

/** The sockets a guarded server holds open, for shutdown. */
export interface GuardedSockets {
  /** Sockets currently open. */
  readonly open: ReadonlySet<Socket>;
  /** Destroys every socket still open. */
  destroyAll(): void;
}

/** Log lines about dropped connections: at most one per this many milliseconds. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Caps a server's open connections (`net.Server.maxConnections`: a connection over the cap is
 * closed as soon as it is accepted, so it costs a file descriptor for an instant only) and
 * closes connections that do not greet in time: a client that connects and sends nothing, or
 * fewer bytes than a greeting, is cut after `greetingTimeoutMs` instead of holding a descriptor
 * until some later timeout. Works on the raw TCP socket, so it sees every connection, TLS or not.
 */
export function guardSockets(server: Server, options: SocketGuardOptions): GuardedSockets {
  if (options.maxConnections !== null) server.maxConnections = options.maxConnections;
  const open = new Set<Socket>();
  let dropped = 0;
  let lastLog = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - lastLog < DROP_LOG_INTERVAL_MS) return;
    lastLog = now;
    options.logger.warn(
      `${options.what}: ${dropped} connection(s) refused: ${options.maxConnections} are open (setting ${options.setting})`,
    );
    dropped = 0;
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    const timer = setTimeout(() => {
      if (socket.bytesRead < options.greetingBytes) socket.destroy();
    }, options.greetingTimeoutMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      open.delete(socket);
    });
  });
  return {
    open,
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

/**
 * The process's limit on open files (`ulimit -n`, soft), from `/proc/self/limits`; undefined
 * where that file does not exist. Node raises the soft limit to the hard one at start-up.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s+/)[3]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A warning when the connection caps of every listener, together, leave no room under the
 * open-file limit: then a flood can still exhaust descriptors (model files, workers and the
 * health check's own connection need some). Null caps count as unlimited.
 */
export function connectionCapWarning(
  caps: readonly (number | null)[],
  limit = openFileLimit(),
): string | undefined {
  if (limit === undefined) return undefined;
  const reserve = 256;
  if (caps.some((cap) => cap === null)) {
    return `a listener has no connection cap (http_max_connections / grpc_max_connections null): a connection flood can use all ${limit} open files`;
  }
  const total = caps.reduce<number>((sum, cap) => sum + (cap ?? 0), 0);
  if (total + reserve <= limit) return undefined;
  return `the connection caps add up to ${total}, which leaves fewer than ${reserve} of the ${limit} open files (ulimit -n) for everything else: lower http_max_connections / grpc_max_connections or raise the limit`;
}
