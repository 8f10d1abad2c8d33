import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RigProcess, startProcess } from './child-process.js';
import { haproxyConfig, type ReplicaPorts } from './haproxy-config.js';
import { bindForChild } from './inherited-socket.js';

/** One row of HAProxy's `show stat` (the columns the rig reads). */
export interface ServerStat {
  backend: string;
  server: string;
  /** `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2` (going up), `MAINT`, `no check`. */
  status: string;
  /** The last check's result: `L7OK`, `L7STS` (wrong status), `L4CON` (refused), … */
  checkStatus: string;
  /** The last check's HTTP status, when it got one. */
  checkCode: string;
  /** Requests sent to the server so far. */
  sessions: number;
  /** Connection attempts to it that were retried. */
  retries: number;
  /** Requests that failed on it and were sent to another server instead. */
  redispatches: number;
}

/** HAProxy in front of the replicas. */
export interface ProxyProcess {
  process: RigProcess;
  /** The port it listens on (REST, SSE, WebSocket and gRPC). */
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The rendered configuration. */
  config: string;
  /** `show stat`: one row per server of each backend. */
  stats(): Promise<ServerStat[]>;
  /** Runs a runtime API command (`disable health rest/replica1`) and resolves with its answer. */
  command(command: string): Promise<string>;
  /** Stops HAProxy and removes its folder. */
  stop(): Promise<void>;
}

/** Options for {@link startHaproxy}. */
export interface HaproxyOptions {
  replicas: ReplicaPorts[];
  /** Where to listen; port 0 (the default) takes a free port. */
  host?: string;
  port?: number;
  checkInterval?: string;
  /** Edits the rendered configuration before HAProxy reads it (a bench compares variants). */
  configure?: (config: string) => string;
  onLine?: (line: string) => void;
  /** In a process group of its own: a terminal's Ctrl-C then reaches the rig only. */
  detached?: boolean;
}

/**
 * Starts HAProxy (`haproxy -db`, in the foreground) with the template filled for `replicas`.
 * The listening socket is bound here and inherited as `fd@3`, so port 0 works although HAProxy
 * refuses it; resolves once every replica passed its readiness check.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<ProxyProcess> {
  const host = options.host ?? '127.0.0.1';
  const socket = await bindForChild(host, options.port ?? 0);
  let dir: string | undefined;
  let process_: RigProcess;
  let config: string;
  let statsSocket: string;
  try {
    dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-haproxy-'));
    statsSocket = path.join(dir, 'admin.sock');
    const rendered = await haproxyConfig({
      bind: 'fd@3',
      statsSocket,
      replicas: options.replicas,
      checkInterval: options.checkInterval,
    });
    config = options.configure ? options.configure(rendered) : rendered;
    const file = path.join(dir, 'haproxy.cfg');
    await writeFile(file, config);
    process_ = startProcess('haproxy', ['-db', '-f', file], {
      stdio: ['ignore', 'pipe', 'pipe', socket.fd],
      onLine: options.onLine,
      detached: options.detached,
    });
  } catch (err) {
    if (dir) await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    // HAProxy holds its own copy now (or never will): this process must not accept on it.
    socket.close();
  }
  const folder = dir;
  const stats = () => showStat(statsSocket);
  const stop = async () => {
    await process_.stop('SIGTERM', 10_000);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => {
        const rows = await stats().catch(() => []);
        const rest = rows.filter((row) => row.backend === 'rest');
        return (
          rest.length === options.replicas.length &&
          rest.every((row) => row.status === 'UP' && row.checkStatus === 'L7OK')
        );
      },
      process_,
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    process: process_,
    port: socket.port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${socket.port}`,
    config,
    stats,
    command: (command) => runtimeCommand(statsSocket, command),
    stop,
  };
}

/** Asks HAProxy's runtime API for `show stat` and parses the server rows. */
export async function showStat(statsSocket: string): Promise<ServerStat[]> {
  const csv = await runtimeCommand(statsSocket, 'show stat');
  const [header, ...lines] = csv.split('\n').filter((line) => line.length > 0);
  if (!header?.startsWith('# ')) throw new Error(`unexpected answer to show stat: ${csv}`);
  const columns = header.slice(2).split(',');
  const at = (name: string) => columns.indexOf(name);
  return lines
    .map((line) => line.split(','))
    .filter((cells) => cells[at('svname')] !== 'FRONTEND' && cells[at('svname')] !== 'BACKEND')
    .map((cells) => ({
      backend: cells[at('pxname')] ?? '',
      server: cells[at('svname')] ?? '',
      status: cells[at('status')] ?? '',
      checkStatus: (cells[at('check_status')] ?? '').replace(/^\* /, ''),
      checkCode: cells[at('check_code')] ?? '',
      sessions: Number(cells[at('stot')] ?? 0),
      retries: Number(cells[at('wretr')] ?? 0),
      redispatches: Number(cells[at('wredis')] ?? 0),
    }));
}

/** Sends one command to HAProxy's runtime API socket and resolves with the whole answer. */
function runtimeCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Polls `condition` until true; fails when `process_` exits or after `timeoutMs`. */
async function waitUntil(
  condition: () => Promise<boolean>,
  process_: RigProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process_.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline && !exited) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `haproxy did not see every replica ready (${exited ? 'exited' : 'timed out'}):\n${process_.output()}`,
  );
}
