import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { WS_CLOSE_CODE } from '../server/ws/ws-close-codes.js';
import { modelSettingsSchema } from '../server/settings/model-settings.js';
import { serverSettingsSchema } from '../server/settings/server-settings.js';
import { sessionSettingsSchema } from '../server/settings/session-settings.js';
import { PYTHON } from './grpc/tools.js';
import { launchChromium } from './helpers/chromium.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { scrapeUntil, sum } from './helpers/metrics-scrape.js';
import { connect } from './helpers/ws-client.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const WAV = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';

/** The README, and the fenced blocks of one of its `## ` sections, in order. */
async function section(heading: string): Promise<{ lang: string; text: string }[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const end = readme.indexOf('\n## ', start + 4);
  const body = readme.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The one block of `blocks` whose language is `lang` (the nth), or whose text starts with `prefix`. */
function block(
  blocks: { lang: string; text: string }[],
  pick: { lang?: string; nth?: number; prefix?: string },
) {
  const found = blocks.filter(
    (b) =>
      (pick.lang === undefined || b.lang === pick.lang) && (!pick.prefix || b.text.startsWith(pick.prefix)),
  )[pick.nth ?? 0];
  if (!found) throw new Error(`no README block ${JSON.stringify(pick)}`);
  return found.text;
}

/** The lines a README output block shows after its command line(s). */
const shown = (text: string) =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('$ ') && !line.startsWith('    '));

/** The README's commands point at `localhost:8080` / `:8081`; the test's server is elsewhere. */
const here = (text: string, server: CliServer) =>
  text
    .replaceAll('localhost:8080', server.http.replace(/^https?:\/\//, ''))
    .replaceAll('localhost:8081', server.grpc);

/**
 * The README's WebSocket, session and sequence examples, run as written against the bundled
 * silero-vad served by the real CLI: the outputs the README shows are what they print.
 */
describe('README streaming examples (silero-vad through the CLI)', () => {
  let server: CliServer;
  let folder: string;
  let metricsUrl: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-readme-'));
    const model = path.join(folder, 'silero-vad');
    await mkdir(model);
    const bundled = path.join(ROOT, 'model-repository/silero-vad');
    await copyFile(path.join(bundled, 'model-settings.json'), path.join(model, 'model-settings.json'));
    await copyFile(path.join(bundled, 'silero_vad.onnx'), path.join(model, 'silero_vad.onnx'));
    server = await startCliServer(folder, { models: ['silero-vad'] });
    metricsUrl = `http://127.0.0.1:${await server.cli.waitForLine(/Metrics server running on http:\/\/[^:]+:(\d+)/)}/metrics`;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  test('the Node WebSocket client is examples/clients/vad-websocket.mjs and prints what the README shows', async () => {
    const blocks = await section('WebSocket');
    const file = await readFile(path.join(ROOT, 'examples/clients/vad-websocket.mjs'), 'utf8');
    expect(block(blocks, { lang: 'js' })).toBe(file);
    const expected = shown(block(blocks, { prefix: '$ node examples/clients/vad-websocket.mjs' }));
    const { stdout } = await run(
      process.execPath,
      ['examples/clients/vad-websocket.mjs', WAV, server.http.replace(/^http/, 'ws')],
      { cwd: ROOT },
    );
    expect(stdout.trim().split('\n')).toEqual(expected);
  }, 60_000);

  test('the curl follower gets the session’s responses as the README shows them', async () => {
    const blocks = await section('Sessions and server-held state');
    const shownFollow = block(blocks, { prefix: '$ curl -N ' });
    const command = shownFollow.split('\n')[0]!.slice(2);
    const example = JSON.parse(shownFollow.split('\n')[1]!.replace(/^data: /, '')) as object;
    const socket = connect(`${server.http}/v2/models/silero-vad/infer_stream?session_id=demo`);
    await socket.opened;
    const follower = run('bash', ['-c', here(command, server)]);
    const labels = { model: 'silero-vad', transport: 'sse' };
    await scrapeUntil(metricsUrl, (page) => sum(page, 'model_stream_active', labels) >= 1);
    for (let i = 0; i < 3; i++) socket.ws.send(new Float32Array(512));
    socket.ws.send('');
    expect(await socket.rest()).toHaveLength(3);
    const events = (await follower).stdout.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event).toMatch(/^data: /);
      const response = JSON.parse(event.slice('data: '.length)) as object;
      expect(Object.keys(response)).toEqual(Object.keys(example));
      expect(response).toMatchObject({
        model_name: 'silero-vad',
        outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 1] }],
      });
    }
  }, 60_000);

  test('the curl sequence (sox windows, binary extension, jq) prints what the README shows', async () => {
    const blocks = await section('Triton sequences');
    const script = block(blocks, { lang: 'bash' });
    const output = blocks[blocks.findIndex((b) => b.text === script) + 1]!.text.trim();
    const cwd = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-readme-seq-'));
    try {
      const { stdout } = await run('bash', ['-c', here(script, server)], { cwd });
      expect(stdout.trim()).toBe(output);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);

  test('the Python gRPC sequence client holds the README excerpt and prints what the README shows', async () => {
    const blocks = await section('Triton sequences');
    const file = await readFile(path.join(ROOT, 'examples/clients/vad_sequence_grpc.py'), 'utf8');
    for (const line of block(blocks, { lang: 'python' }).split('\n').filter(Boolean))
      expect(file).toContain(line);
    const expected = shown(block(blocks, { prefix: '$ PYTHONPATH=stubs' }));
    const stubs = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-readme-stubs-'));
    try {
      const protos = ['messages', 'model_config', 'statistics', 'dataplane'].map(
        (p) => `inference/${p}.proto`,
      );
      await run(
        PYTHON,
        [
          '-m',
          'grpc_tools.protoc',
          '-I',
          'protos',
          `--python_out=${stubs}`,
          `--grpc_python_out=${stubs}`,
          ...protos,
        ],
        { cwd: ROOT },
      );
      const { stdout } = await run(PYTHON, ['examples/clients/vad_sequence_grpc.py', WAV, server.grpc], {
        cwd: ROOT,
        env: { ...process.env, PYTHONPATH: stubs },
      });
      expect(stdout.trim().split('\n')).toEqual(expected);
    } finally {
      await rm(stubs, { recursive: true, force: true });
    }
  }, 120_000);

  test('the browser snippet streams a (fake) microphone to the server', async () => {
    const snippet = block(await section('WebSocket'), { lang: 'js', nth: 1 });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium([
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${WAV}`,
        '--autoplay-policy=no-user-gesture-required',
      ]);
      const page = await browser.newPage();
      const probabilities: number[] = [];
      page.on('console', (message) => {
        const match = /^speech probability (\S+)$/.exec(message.text());
        if (match) probabilities.push(Number(match[1]));
      });
      await page.goto(`${server.http}/v2/health/live`);
      await page.evaluate(`(async () => { ${snippet}\n window.readmeSocket = ws; })()`);
      // The fake microphone plays the LibriVox sentence: some windows are speech.
      while (!probabilities.some((p) => p >= 0.5)) await new Promise((resolve) => setTimeout(resolve, 50));
      // A string, evaluated in the page (the tests' TypeScript has no DOM types).
      const close = await page.evaluate(`new Promise((resolve) => {
        window.readmeSocket.onclose = (event) => resolve(event.code);
        window.readmeSocket.send('');
      })`);
      expect(close).toBe(1000);
    } finally {
      await browser?.close();
    }
  }, 120_000);
});

/** The reference tables stay complete as settings and close codes are added. */
describe('README reference tables', () => {
  test('every server setting and model-settings field is in Settings', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const settings = readme.slice(readme.indexOf('\n## Settings\n'), readme.indexOf('\n### CORS\n'));
    const fields = (schema: object) =>
      Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
    const server = fields(serverSettingsSchema);
    const model = fields(modelSettingsSchema).filter((f) => !['folder', 'source', 'parameters'].includes(f));
    const params = fields((modelSettingsSchema.properties as Record<string, object>).parameters!).map((f) =>
      f.startsWith('environment_') ? 'parameters.environment_' : f,
    );
    const session = fields(sessionSettingsSchema).map((f) => `session.${f}`);
    for (const field of [...server, ...model, ...session])
      expect({ field, listed: settings.includes(`\`${field}\``) }).toEqual({ field, listed: true });
    for (const field of params)
      expect({ field, listed: settings.includes(field) }).toEqual({ field, listed: true });
  });

  test('every WebSocket close code is in the close table', async () => {
    const blocks = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const table = blocks.slice(blocks.indexOf('| close | when |'), blocks.indexOf('- **Backpressure'));
    for (const code of new Set([1000, ...Object.values(WS_CLOSE_CODE)]))
      expect({ code, listed: table.includes(String(code)) }).toEqual({ code, listed: true });
  });
});
