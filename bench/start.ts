import path from 'node:path';
import type { RunningServer } from './context.js';
import type { BenchProcess } from './processes.js';
import { startProcess, tsxArgs } from './processes.js';

/** The server's log line for its HTTP port. */
const HTTP_LINE = /HTTP server running on https?:\/\/\S+:(\d+)/;
/** The server's log line for its (default, MLServer-flavoured) gRPC port; Triton's listener is skipped. */
const GRPC_LINE = /gRPC server running on \S+:(\d+)(?!.*Triton)/;

/** Starts the real server through the built CLI on the assembled repository (ports 0, read back from its log). */
export function startServer(repoRoot: string, cli: string, folder: string): Promise<BenchProcess> {
  return startProcess({
    name: 'mlserver-ts',
    command: process.execPath,
    args: [cli, 'start', folder],
    cwd: repoRoot,
    portPatterns: {
      http: { pattern: HTTP_LINE, required: true },
      grpc: { pattern: GRPC_LINE, required: false },
    },
    timeoutMs: 30_000,
  });
}

/** Starts the bare node:http JSON + SSE baseline. */
export function startHttpBaseline(repoRoot: string): Promise<BenchProcess> {
  return startProcess({
    name: 'node:http baseline',
    command: process.execPath,
    args: tsxArgs(path.join(repoRoot, 'bench', 'baselines', 'http-baseline.ts')),
    cwd: repoRoot,
    portPatterns: { http: { pattern: /BASELINE HTTP listening on \S+:(\d+)/, required: true } },
    timeoutMs: 30_000,
  });
}

/** Starts the express baseline (express 5 with trivial handlers). */
export function startExpressBaseline(repoRoot: string): Promise<BenchProcess> {
  return startProcess({
    name: 'express baseline',
    command: process.execPath,
    args: tsxArgs(path.join(repoRoot, 'bench', 'baselines', 'express-baseline.ts')),
    cwd: repoRoot,
    portPatterns: { http: { pattern: /BASELINE EXPRESS listening on \S+:(\d+)/, required: true } },
    timeoutMs: 30_000,
  });
}

/** A baseline process as a running server: where it listens and its process. */
export function asRunning(process: BenchProcess): RunningServer {
  return {
    process,
    endpoints: { http: `http://127.0.0.1:${process.ports.http}`, httpPid: process.pid },
  };
}

/** Starts the bare grpc-js baseline on the same proto as the server. */
export function startGrpcBaseline(repoRoot: string, protosDir: string): Promise<BenchProcess> {
  return startProcess({
    name: 'grpc-js baseline',
    command: process.execPath,
    args: tsxArgs(path.join(repoRoot, 'bench', 'baselines', 'grpc-baseline.ts'), protosDir),
    cwd: repoRoot,
    portPatterns: { grpc: { pattern: /BASELINE gRPC listening on \S+:(\d+)/, required: true } },
    timeoutMs: 30_000,
  });
}

/** A model's state in the server's repository index. */
export interface IndexEntry {
  name: string;
  state: string;
  reason?: string;
}

/**
 * Polls `POST /v2/repository/index` until every model has settled, loaded or failed (or
 * `timeoutMs` passes); returns
 * each model's state and reason.
 */
export async function waitForModels(baseUrl: string, timeoutMs: number): Promise<IndexEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let entries: IndexEntry[] = [];
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/v2/repository/index`, { method: 'POST', body: '{}' });
      entries = (await res.json()) as IndexEntry[];
      // Models found on disk but not yet handed to the registry read UNAVAILABLE "not loaded".
      const settled = (e: IndexEntry) => e.state !== 'LOADING' && e.reason !== 'not loaded';
      if (entries.length > 0 && entries.every(settled)) return entries;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return entries;
}

/** Starts the server and waits for its models; the model states come back with it. */
export async function startServerReady(
  repoRoot: string,
  cli: string,
  folder: string,
): Promise<RunningServer & { models: IndexEntry[] }> {
  const process = await startServer(repoRoot, cli, folder);
  const http = `http://127.0.0.1:${process.ports.http}`;
  const models = await waitForModels(http, 60_000);
  const grpc = process.ports.grpc === undefined ? undefined : `127.0.0.1:${process.ports.grpc}`;
  return { process, endpoints: { http, httpPid: process.pid, grpc, grpcPid: process.pid }, models };
}
