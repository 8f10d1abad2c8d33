import path from 'node:path';
import { type RigProcess, startProcess } from './child-process.js';

/** The built CLI, as `npx mlserver-ts` runs it (`npm ci` builds it). */
export const CLI = path.resolve(import.meta.dirname, '../../dist/server/cli.js');

/** One mlserver-ts replica started through the real CLI on loopback. */
export interface Replica {
  name: string;
  process: RigProcess;
  http_port: number;
  grpc_port: number;
  /** `http://127.0.0.1:<http_port>`. */
  url: string;
}

/**
 * Runs `mlserver-ts start <folder>` on loopback with every port 0, reads the ports the kernel
 * gave it from its log lines and waits until `/v2/health/ready` answers 200. The environment
 * comes last, so a caller may override any `MLSERVER_*` setting.
 */
export async function startReplica(
  name: string,
  folder: string,
  options: {
    env?: Record<string, string>;
    onLine?: (line: string) => void;
    readyTimeoutMs?: number;
    /** In a process group of its own: a terminal's Ctrl-C then reaches the rig only. */
    detached?: boolean;
  } = {},
): Promise<Replica> {
  const process_ = startProcess(process.execPath, [CLI, 'start', folder], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      MLSERVER_HOST: '127.0.0.1',
      MLSERVER_HTTP_PORT: '0',
      MLSERVER_GRPC_PORT: '0',
      MLSERVER_METRICS_PORT: '0',
      ...options.env,
    },
    onLine: options.onLine,
    detached: options.detached,
  });
  try {
    const http_port = Number(await process_.waitForLine(/HTTP server running on http:\/\/[^:\s]+:(\d+)/));
    const grpc_port = Number(
      await process_.waitForLine(/gRPC server running on [^:\s]+:(\d+) \(ModelStreamInfer: MLServer/),
    );
    const url = `http://127.0.0.1:${http_port}`;
    await waitReady(url, process_, options.readyTimeoutMs ?? 60_000);
    return { name, process: process_, http_port, grpc_port, url };
  } catch (err) {
    await process_.stop('SIGKILL');
    throw err;
  }
}

/** Polls readiness until 200 (models loaded), the process exits, or the time is up. */
async function waitReady(url: string, process_: RigProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process_.exited.then(() => {
    exited = true;
  });
  while (!exited && Date.now() < deadline) {
    const status = await fetch(`${url}/v2/health/ready`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica at ${url} not ready (${exited ? 'exited' : 'timed out'}):\n${process_.output()}`);
}
