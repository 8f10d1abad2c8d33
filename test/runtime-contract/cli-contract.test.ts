import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createParser } from 'eventsource-parser';
import { CLI, startCli } from '../helpers/cli-process.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TEXT_MODEL = path.join(ROOT, 'examples/text-model');
const SENTIMENT = path.join(ROOT, 'examples/sentiment');

/** The body MLServer's notebook posts (`inference_request.dict()`), byte for byte. */
const NOTEBOOK_BODY =
  '{"id": null, "parameters": null, "inputs": [{"name": "prompt", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "str", "headers": null}, "data": ["What is the capital of France?"]}], "outputs": [{"name": "output", "parameters": null}]}';

describe('the notebook model through the real CLI', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(TEXT_MODEL, { models: ['text-model'] });
  }, 60_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  test("the notebook's SSE request, every optional null, streams the six words", async () => {
    const res = await fetch(`${server.http}/v2/models/text-model/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: NOTEBOOK_BODY,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const words: string[] = [];
    const parser = createParser({
      onEvent: (event) =>
        words.push((JSON.parse(event.data) as { outputs: { data: string[] }[] }).outputs[0]!.data[0]!),
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    expect(words).toEqual(['What', ' is', ' the', ' capital', ' of', ' France?']);
  });

  test('the example client finds the server on MLSERVER_HTTP_PORT', async () => {
    const port = new URL(server.http).port;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(TEXT_MODEL, 'client.ts')], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', MLSERVER_HTTP_PORT: port },
    });
    expect(stdout.trim().split('\n')).toEqual(['What', ' is', ' the', ' capital', ' of', ' France?']);
  });

  test('unary infer on the stream-only model is the documented 501', async () => {
    const res = await fetch(`${server.http}/v2/models/text-model/infer`, {
      method: 'POST',
      body: NOTEBOOK_BODY,
    });
    expect(res.status).toBe(501);
  });
});

describe('CLI exit codes and start-up messages', () => {
  test('a folder that does not exist: exit 2 before any port is bound', async () => {
    const result = await run(process.execPath, [CLI, 'start', '/nonexistent/models'], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        MLSERVER_HTTP_PORT: '0',
        MLSERVER_GRPC_PORT: '0',
        MLSERVER_METRICS_PORT: '0',
      },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect((result as { code: number }).code).toBe(2);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/\/nonexistent\/models/);
    expect(output).toMatch(/no such folder/);
    expect(output).not.toMatch(/server running/);
  });

  test('a busy port: exit 1 with a message naming the setting and its environment variable', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const cli = startCli(['start', SENTIMENT], {
        MLSERVER_HOST: '127.0.0.1',
        MLSERVER_GRPC_PORT: String(port),
      });
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toContain(
        `cannot serve gRPC on 127.0.0.1:${port}: the address is already in use; change the setting grpc_port (environment variable MLSERVER_GRPC_PORT)`,
      );
      expect(cli.output()).not.toMatch(/No address added out of total/);
    } finally {
      blocker.close();
    }
  });
});

/** Resident set size of a process, in bytes. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

test('500 reloads of a TypeScript runtime keep the server’s memory flat', async () => {
  const server = await startCliServer(SENTIMENT, { models: ['sentiment'] });
  try {
    const reload = async () => {
      const res = await fetch(`${server.http}/v2/repository/models/sentiment/load`, { method: 'POST' });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };
    for (let i = 0; i < 50; i++) await reload();
    const before = rss(server.cli.child.pid!);
    for (let i = 0; i < 500; i++) await reload();
    const after = rss(server.cli.child.pid!);
    // Each reload used to import a fresh copy of the module: 420 reloads took 117 → 377 MB.
    expect(after - before).toBeLessThan(40 * 1024 * 1024);
    const infer = await fetch(`${server.http}/v2/models/sentiment/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['good'] }] }),
    });
    expect(infer.status).toBe(200);
  } finally {
    await server.stop();
  }
}, 120_000);
