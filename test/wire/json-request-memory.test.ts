import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The built decoder (`npm test` builds before running jest). */
const DECODER = pathToFileURL(
  path.resolve(import.meta.dirname, '../../dist/server/wire/json-request.js'),
).href;
const MiB = 1024 * 1024;

/**
 * Runs in a child process with a 512 MB heap cap: builds the body, a 248 MB JSON
 * request for shape [31000000,4] FP32 (flat data "1,1,…", written straight into a Buffer),
 * decodes it with the given per-input limit and reports the outcome and its peak memory.
 */
const CHILD = `
import { readFileSync } from 'node:fs';
const { decodeJsonRequest } = await import(process.env.DECODER);
const peakRss = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const rows = 31_000_000;
const head = Buffer.from('{"inputs":[{"name":"predict","shape":[' + rows + ',4],"datatype":"FP32","data":[');
const tail = Buffer.from(']}]}');
const elements = rows * 4;
const body = Buffer.allocUnsafe(head.length + elements * 2 - 1 + tail.length);
head.copy(body, 0);
body.fill('1,', head.length, head.length + elements * 2);
tail.copy(body, head.length + elements * 2 - 1);
const before = peakRss();
const limit = Number(process.env.LIMIT);
let result;
try {
  const request = decodeJsonRequest(body, { maxInputBytes: limit, maxRequestBytes: limit });
  const data = request.inputs[0].data;
  result = { ok: true, type: data.constructor.name, length: data.length, first: data[0], last: data[data.length - 1] };
} catch (err) {
  result = { ok: false, code: err.code, message: err.message };
}
console.log(JSON.stringify({ ...result, bodyBytes: body.length, before, peak: peakRss() }));
`;

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  type?: string;
  length?: number;
  first?: number;
  last?: number;
  bodyBytes: number;
  before: number;
  peak: number;
}

function decodeInChild(
  limit: number,
): Promise<{ exitCode: number | null; stderr: string; outcome?: Outcome }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', '--input-type=module', '-e', CHILD], {
      env: { ...process.env, NODE_OPTIONS: '', DECODER, LIMIT: String(limit) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (exitCode) => {
      const line = stdout.trim().split('\n').pop();
      resolve({ exitCode, stderr, outcome: line ? (JSON.parse(line) as Outcome) : undefined });
    });
  });
}

/**
 * The body — 248 MB of JSON for shape [31000000,4] FP32, which today's path turns into
 * an 11 GB heap and an OOM — decoded in a process whose heap is capped at 512 MB.
 */
describe('JSON request decoder: memory under a 512 MB heap cap', () => {
  test('with a 64 MiB per-input limit: a 413 naming the tensor, before any data is read', async () => {
    const { exitCode, stderr, outcome } = await decodeInChild(64 * MiB);
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(outcome).toMatchObject({
      ok: false,
      code: 'payload_too_large',
      message:
        "input 'predict' (FP32, shape [31000000,4]) decodes to 496000000 bytes, over the limit of 67108864 bytes per input",
    });
    // Nothing was materialised: the peak is the body the child built, plus a little.
    expect(outcome!.peak - outcome!.before).toBeLessThan(16 * MiB);
  }, 120_000);

  test('with a limit that allows it: the 496 MB typed array, and the heap stays small', async () => {
    const { exitCode, stderr, outcome } = await decodeInChild(512 * MiB);
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(outcome).toMatchObject({ ok: true, type: 'Float32Array', length: 124_000_000, first: 1, last: 1 });
    // Body + the typed array (496 MB, outside the JS heap) + a small margin: nothing per element.
    expect(outcome!.peak - outcome!.before).toBeLessThan(496e6 + 64 * MiB);
  }, 300_000);
});
