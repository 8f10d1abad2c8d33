/** @jest-environment ./test/onnx/ort-environment.cjs */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { clientFor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { postJson } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';
import { readPcm, SILERO, TESTDATA } from './speech-helpers.js';

const WINDOW = 512;
const SECONDS_PER_WINDOW = WINDOW / 16000;

/** Five LibriVox sentences from pocketsphinx-testdata, with a second of silence before each. */
async function speech(): Promise<Float32Array[]> {
  const files = ['0870', '0880', '0890', '0920', '0930'].map(
    (n) => `${TESTDATA}/librivox/sense_and_sensibility_01_austen_64kb-${n}.wav`,
  );
  const parts: Int16Array[] = [];
  for (const file of files) parts.push(new Int16Array(16000), await readPcm(file));
  parts.push(new Int16Array(16000));
  const all = Int16Array.from(parts.flatMap((p) => Array.from(p)));
  const windows: Float32Array[] = [];
  for (let at = 0; at + WINDOW <= all.length; at += WINDOW)
    windows.push(Float32Array.from(all.subarray(at, at + WINDOW), (s) => s / 32768));
  return windows;
}

/** Speech segments from per-window probabilities: runs ≥ 0.5, gaps under 100 ms bridged, in seconds. */
function segments(probabilities: number[]): [number, number][] {
  const found: [number, number][] = [];
  probabilities.forEach((p, i) => {
    if (p < 0.5) return;
    const last = found.at(-1);
    const start = i * SECONDS_PER_WINDOW;
    if (last && start - last[1] < 0.1) last[1] = start + SECONDS_PER_WINDOW;
    else found.push([start, start + SECONDS_PER_WINDOW]);
  });
  return found;
}

/**
 * The reference: a direct onnxruntime session, the state and Silero v5's 64-sample context (the
 * end of the previous window before each window) carried by hand.
 */
async function direct(windows: Float32Array[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(SILERO);
  try {
    let state = new Float32Array(256);
    let context = new Float32Array(64);
    const probabilities: number[] = [];
    for (const audio of windows) {
      const input = new Float32Array(64 + WINDOW);
      input.set(context);
      input.set(audio, 64);
      context = audio.slice(WINDOW - 64);
      const out = (await session.run({
        input: new ort.Tensor('float32', input, [1, 64 + WINDOW]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
      })) as Record<string, ort.Tensor>;
      probabilities.push((out.output!.data as Float32Array)[0]!);
      state = Float32Array.from(out.stateN!.data as Float32Array);
    }
    return probabilities;
  } finally {
    await session.release();
  }
}

function expectSameSegments(actual: [number, number][], expected: [number, number][]): void {
  expect(expected.length).toBeGreaterThanOrEqual(4);
  expect(actual).toHaveLength(expected.length);
  actual.forEach(([start, end], i) => {
    expect(Math.abs(start - expected[i]![0])).toBeLessThanOrEqual(0.1);
    expect(Math.abs(end - expected[i]![1])).toBeLessThanOrEqual(0.1);
  });
}

/**
 * Real speech streamed in 512-sample windows into the bundled silero-vad with its state and its
 * 64-sample context held by the server (model-settings `session`): the client sends plain audio, and the speech
 * segments fall where a direct session carrying the state by hand puts them — over WebSocket,
 * over gRPC and as a sequence of REST calls, through the real CLI.
 */
describe('silero-vad with server-held state, through the real CLI', () => {
  let server: CliServer;
  let folder: string;
  let windows: Float32Array[];
  let reference: [number, number][];

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-vad-'));
    const model = path.join(folder, 'silero-vad');
    await mkdir(model);
    await copyFile(SILERO, path.join(model, 'model.onnx'));
    const settings = JSON.parse(
      await (await import('node:fs/promises')).readFile(
        path.resolve('model-repository/silero-vad/model-settings.json'),
        'utf8',
      ),
    ) as { parameters: { uri: string } };
    settings.parameters.uri = 'model.onnx';
    await writeFile(path.join(model, 'model-settings.json'), JSON.stringify(settings));
    server = await startCliServer(folder, { models: ['silero-vad'] });
    windows = await speech();
    reference = segments(await direct(windows));
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  test('over WebSocket: binary frames of FP32 audio, nothing else', async () => {
    const socket = connect(`${server.http}/v2/models/silero-vad/infer_stream`);
    await socket.opened;
    for (const audio of windows) socket.ws.send(audio, { binary: true });
    socket.ws.send(Buffer.alloc(0), { binary: true });
    const responses = await socket.rest();
    expect(responses).toHaveLength(windows.length);
    // The state output stays on the server: each response is the speech probability alone.
    expect((responses[0]!.outputs as { name: string }[]).map((o) => o.name)).toEqual(['output']);
    const probabilities = responses.map((r) => (r.outputs as { data: number[] }[])[0]!.data[0]!);
    expectSameSegments(segments(probabilities), reference);
  }, 120_000);

  test('over gRPC ModelStreamInfer: each request carries only its audio window', async () => {
    const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    const client = new Client(server.grpc, grpc.credentials.createInsecure());
    try {
      const stream = openStream<{ raw_output_contents: Buffer[] }>(client, { deadlineMs: 120_000 });
      for (const audio of windows) {
        stream.write({
          model_name: 'silero-vad',
          inputs: [{ name: 'input', datatype: 'FP32', shape: [1, WINDOW] }],
          raw_input_contents: [Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength)],
          outputs: [{ name: 'output' }],
        });
      }
      stream.end();
      const replies = await stream.rest();
      expect(replies).toHaveLength(windows.length);
      const probabilities = replies.map((r) => Buffer.from(r.raw_output_contents[0]!).readFloatLE(0));
      expectSameSegments(segments(probabilities), reference);
    } finally {
      client.close();
    }
  }, 120_000);

  test('as a sequence of REST calls (Triton sequence parameters)', async () => {
    const probabilities: number[] = [];
    for (const [i, audio] of windows.entries()) {
      const reply = await postJson(`${server.http}/v2/models/silero-vad/infer`, {
        parameters: { sequence_id: 'vad-1', sequence_start: i === 0, sequence_end: i === windows.length - 1 },
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, WINDOW], data: Array.from(audio) }],
      });
      expect(reply.status).toBe(200);
      probabilities.push((reply.body as { outputs: { data: number[] }[] }).outputs[0]!.data[0]!);
    }
    expectSameSegments(segments(probabilities), reference);
  }, 120_000);
});
