import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliProcess, startCli } from './cli-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A server started through the real CLI, with the ports it printed. */
export interface CliServer {
  cli: CliProcess;
  /** `http://127.0.0.1:<port>`, or `https://…` when the server serves TLS. */
  http: string;
  grpc: string;
  /** Set when the server was started with a Triton-flavour listener. */
  grpcTriton: string | undefined;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `mlserver-ts start <folder>` as users do, on free ports (plus a Triton-flavour gRPC
 * listener when `triton` is set), and waits until every listed model is READY.
 */
export async function startCliServer(
  folder: string,
  options: { models?: string[]; triton?: boolean; env?: Record<string, string> } = {},
): Promise<CliServer> {
  const cli = startCli(['start', folder], {
    ...(options.triton ? { MLSERVER_GRPC_TRITON_PORT: '0' } : {}),
    ...options.env,
  });
  try {
    const http = await cli.waitForLine(/HTTP server running on https?:\/\/[^:]+:(\d+)/);
    const scheme = /HTTP server running on https:/.test(cli.output()) ? 'https' : 'http';
    const grpc = await cli.waitForLine(/gRPC server running on [^:]+:(\d+) \(ModelStreamInfer: MLServer/);
    const grpcTriton = options.triton
      ? await cli.waitForLine(/gRPC server running on [^:]+:(\d+) \(ModelStreamInfer: Triton/)
      : undefined;
    for (const model of options.models ?? []) await cli.waitForLine(new RegExp(`model ${model}: READY`));
    return {
      cli,
      http: `${scheme}://127.0.0.1:${http}`,
      grpc: `127.0.0.1:${grpc}`,
      grpcTriton: grpcTriton && `127.0.0.1:${grpcTriton}`,
      async stop() {
        cli.child.kill('SIGTERM');
        const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
        const code = await cli.exited;
        clearTimeout(timer);
        return code;
      },
    };
  } catch (err) {
    cli.child.kill('SIGKILL');
    throw err;
  }
}

/**
 * Copies a fixture folder to a fresh temporary folder outside the repository and, when `ownCopy`
 * is set, gives it its own copy of the built mlserver-ts in `node_modules` (as a project that ran
 * `npm install mlserver-ts` would have). Resolves with the folder and its remover.
 */
export async function outsideFolder(
  fixture: string,
  options: { ownCopy?: boolean } = {},
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-outside-'));
  await cp(fixture, dir, { recursive: true });
  if (options.ownCopy) {
    const pkg = path.join(dir, 'node_modules', 'mlserver-ts');
    await mkdir(path.join(pkg, 'dist'), { recursive: true });
    await cp(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    await cp(path.join(ROOT, 'dist', 'server'), path.join(pkg, 'dist', 'server'), { recursive: true });
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
