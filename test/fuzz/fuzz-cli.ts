import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { tempFolder } from '../helpers/test-server.js';
import { FUZZ_MODELS } from './fuzz-server.js';
import { openStreamsOf } from './support/metrics-once.js';

const BUNDLED = path.resolve(import.meta.dirname, '../../model-repository');

/** The real CLI over the fuzz models and the bundled ONNX iris classifier, with its metrics page. */
export interface FuzzCli extends CliServer {
  pid: number;
  metrics: string;
  /** Streams and WebSocket sessions the server has open, from its metrics page. */
  openStreams(): Promise<number>;
  /** Stops the server and removes its folder; resolves with the exit code. */
  close(): Promise<number | null>;
}

/**
 * Starts `mlserver-ts start <folder>` (a Triton-flavour listener too) on a fresh folder holding
 * copies of the fuzz models and `model-repository/iris-classifier`, with the same small limits
 * as the in-process fuzz servers (`settings.json` there, as a user writes it).
 */
export async function startFuzzCli(settings: Record<string, unknown> = {}): Promise<FuzzCli> {
  const folder = await tempFolder();
  for (const model of ['echo', 'typed', 'words', 'frames'])
    await cp(path.join(FUZZ_MODELS, model), path.join(folder.dir, model), { recursive: true });
  await cp(path.join(BUNDLED, 'iris-classifier'), path.join(folder.dir, 'iris-classifier'), {
    recursive: true,
  });
  await writeFile(
    path.join(folder.dir, 'settings.json'),
    JSON.stringify({
      host: '127.0.0.1',
      shutdown_grace_period: 2,
      http_max_request_size: 1024 * 1024,
      max_tensor_bytes: 256 * 1024,
      max_request_tensor_bytes: 512 * 1024,
      ...settings,
    }),
  );
  const server = await startCliServer(folder.dir, {
    triton: true,
    models: ['echo', 'typed', 'words', 'frames', 'iris-classifier'],
  });
  const metrics = `http://127.0.0.1:${await server.cli.waitForLine(/Metrics server running on http:\/\/[^:]+:(\d+)/)}/metrics`;
  return {
    ...server,
    pid: server.cli.child.pid!,
    metrics,
    openStreams: () => openStreamsOf(metrics),
    async close() {
      try {
        return await server.stop();
      } finally {
        await folder.remove();
      }
    },
  };
}
