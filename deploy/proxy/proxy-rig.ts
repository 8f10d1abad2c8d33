import path from 'node:path';
import { type ProxyProcess, startHaproxy } from './haproxy-process.js';
import { type Replica, startReplica } from './replica-process.js';

/** The models the rig serves by default: the streaming text model and a running total. */
export const RIG_MODELS = path.resolve(import.meta.dirname, 'models');

/** Replicas of mlserver-ts behind one HAProxy, all on loopback. */
export interface ProxyRig {
  replicas: Replica[];
  proxy: ProxyProcess;
  /** Stops the proxy, then every replica still running (SIGTERM, their graceful drain). */
  stop(): Promise<void>;
}

/** Options for {@link startProxyRig}. */
export interface ProxyRigOptions {
  /** The folder each replica serves (`mlserver-ts start <folder>`); default {@link RIG_MODELS}. */
  folder?: string;
  /** How many replicas (default 2). */
  replicas?: number;
  /** The proxy's address; port 0 (the default) takes a free port. */
  host?: string;
  port?: number;
  /** The readiness check's interval (HAProxy time format, default `1s`). */
  checkInterval?: string;
  /** Extra `MLSERVER_*` settings for every replica. */
  env?: Record<string, string>;
  /** Every log line, with the name of the process that wrote it. */
  onLine?: (from: string, line: string) => void;
  /**
   * Start every process in a process group of its own, so a terminal's Ctrl-C reaches only the
   * caller, which then stops them in order (a replica signalled twice exits without draining).
   */
  detached?: boolean;
}

/**
 * Starts the replicas through the real CLI on free ports, then HAProxy with a configuration
 * written for the ports they printed; resolves once the proxy sees every replica ready.
 */
export async function startProxyRig(options: ProxyRigOptions = {}): Promise<ProxyRig> {
  const count = options.replicas ?? 2;
  const folder = options.folder ?? RIG_MODELS;
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => {
      const name = `replica${i + 1}`;
      return startReplica(name, folder, {
        env: options.env,
        detached: options.detached,
        onLine: options.onLine && ((line) => options.onLine!(name, line)),
      });
    }),
  );
  const replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopReplicas = () =>
    Promise.all(replicas.map((replica) => replica.process.stop())).then(() => undefined);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopReplicas();
    throw failed.reason;
  }
  const proxy = await startHaproxy({
    replicas,
    host: options.host,
    port: options.port,
    checkInterval: options.checkInterval,
    detached: options.detached,
    onLine: options.onLine && ((line) => options.onLine!('haproxy', line)),
  }).catch(async (err: unknown) => {
    await stopReplicas();
    throw err;
  });
  return {
    replicas,
    proxy,
    async stop() {
      await proxy.stop();
      await stopReplicas();
    },
  };
}
