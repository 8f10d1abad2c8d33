import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI, startCli } from './helpers/cli-process.js';
import { postSse } from './helpers/sse-client.js';
import { tempFolder } from './helpers/test-server.js';

const run = promisify(execFile);
const EXAMPLE = path.resolve(import.meta.dirname, '../examples/text-model');
const request = JSON.parse(
  await (await import('node:fs/promises')).readFile(path.join(EXAMPLE, 'generate-request.json'), 'utf8'),
) as unknown;

describe('the mlserver-ts CLI', () => {
  test('--version and --help', async () => {
    const version = await run(process.execPath, [CLI, '--version']);
    expect(version.stdout.trim()).toBe('0.1.0');
    const help = await run(process.execPath, [CLI, 'start', '--help']);
    expect(help.stdout).toMatch(/Usage: mlserver-ts start \[options\] <folder>/);
    expect(help.stdout).toMatch(/MLSERVER_HTTP_PORT/);
  });

  test('invalid settings.json: exit code 2 and every problem with file and field', async () => {
    const { dir, remove } = await tempFolder();
    try {
      await writeFile(
        path.join(dir, 'settings.json'),
        JSON.stringify({ http_port: 'x', colour: 'red', gzip_enabled: true }),
      );
      const result = await run(process.execPath, [CLI, 'start', dir]).catch(
        (err: { code: number; stderr: string }) => err,
      );
      expect((result as { code: number }).code).toBe(2);
      const stderr = (result as { stderr: string }).stderr;
      expect(stderr).toContain(`invalid settings in ${path.join(dir, 'settings.json')}`);
      expect(stderr).toContain('http_port: expected integer');
      expect(stderr).toContain('colour: unknown field');
    } finally {
      await remove();
    }
  });

  test('the notebook: six words about 0.5 s apart, and SIGTERM lets the in-flight stream finish', async () => {
    const cli = startCli(['start', EXAMPLE]);
    try {
      const port = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
      await cli.waitForLine(/model text-model: READY/);
      const url = `http://127.0.0.1:${port}`;
      const words: string[] = [];
      const times: number[] = [];
      let signalled = false;
      for await (const event of postSse(`${url}/v2/models/text-model/generate_stream`, request)) {
        const response = JSON.parse(event.data) as { model_name: string; outputs: { data: string[] }[] };
        expect(response.model_name).toBe('text-model');
        words.push(response.outputs[0]!.data[0]!);
        times.push(event.receivedAt);
        if (!signalled) {
          signalled = true;
          cli.child.kill('SIGTERM');
          await cli.waitForLine(/shutting down/);
          // While the stream drains, a new connection is answered, not refused: health still
          // answers, anything else is 503, and each answer closes its connection.
          const live = await fetch(`${url}/v2/health/live`);
          expect([live.status, live.headers.get('connection')]).toEqual([200, 'close']);
          const refused = await fetch(`${url}/v2/models/text-model`);
          expect([refused.status, refused.headers.get('connection')]).toEqual([503, 'close']);
          expect(await refused.json()).toEqual({ error: 'server is shutting down' });
        }
      }
      expect(words.join('')).toBe('What is the capital of France?');
      expect(words).toHaveLength(6);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      for (const gap of gaps) expect(gap).toBeGreaterThan(300);
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/model 'text-model' unloaded/);
      expect(cli.output()).toMatch(/shutdown complete/);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  test('the repository root start command serves model-repository/ (text-model)', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const cli = startCli(['start', root]);
    try {
      const port = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
      await cli.waitForLine(/model text-model: READY/);
      const res = await fetch(`http://127.0.0.1:${port}/v2/models/text-model/ready`);
      expect(await res.json()).toEqual({ name: 'text-model', ready: true });
    } finally {
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    }
  });
});
