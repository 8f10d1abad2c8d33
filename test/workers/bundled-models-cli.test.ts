import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { collectSse } from '../helpers/sse-client.js';
import { postJson } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';
import {
  GO_FORWARD,
  grpcClient,
  pocketsphinxCli,
  readPcm,
  streamOverGrpc,
  transcripts,
} from '../speech/speech-helpers.js';

/**
 * The bundled model repository (ONNX models, the TypeScript examples with their native
 * libraries and their own worker threads) served with `parallel_workers: 1`: every runtime loads
 * in a worker exactly as the CLI loads it in the server thread, and answers as it does there.
 */
const REPOSITORY = path.resolve(import.meta.dirname, '../../model-repository');
const MODELS = ['asr', 'iris-classifier', 'silero-vad', 'simple', 'text-model', 'vad', 'vad-asr'];

let dir: string;
let server: CliServer;
let client: grpc.Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-bundled-workers-'));
  await writeFile(
    path.join(dir, 'settings.json'),
    JSON.stringify({ model_repository_root: REPOSITORY, parallel_workers: 1 }),
  );
  server = await startCliServer(dir, { models: MODELS });
  client = grpcClient(server.grpc);
}, 180_000);

afterAll(async () => {
  client?.close();
  const code = await server?.stop();
  await rm(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

const finals = (outputs: Parameters<typeof transcripts>[0][]) =>
  outputs
    .flatMap(transcripts)
    .filter((t) => t.isFinal)
    .map((t) => t.text);

describe('the bundled models in worker threads, through the real CLI', () => {
  test('every model runs in one worker thread of its own', () => {
    for (const model of MODELS)
      expect(server.cli.output()).toContain(`model '${model}' runs in 1 worker thread`);
  });

  test('ONNX: simple and iris-classifier answer as they do in the server thread', async () => {
    const simple = await postJson(`${server.http}/v2/models/simple/infer`, {
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) },
        { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
      ],
    });
    expect(simple.status).toBe(200);
    const outputs = (simple.body as { outputs: { name: string; data: number[] }[] }).outputs;
    expect(outputs.find((o) => o.name === 'OUTPUT0')!.data).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    const iris = await postJson(`${server.http}/v2/models/iris-classifier/infer`, {
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [2, 4], data: [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5] },
      ],
    });
    const names = (iris.body as { outputs: { name: string; data: unknown[] }[] }).outputs;
    expect(names.find((o) => o.name === 'class_name')!.data).toEqual(['setosa', 'virginica']);
  });

  test('text-model streams its words over SSE from its worker', async () => {
    const events = await collectSse(`${server.http}/v2/models/text-model/generate_stream`, {
      inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['go forward'] }],
    });
    const words = events.map(
      (e) => (JSON.parse(e.data) as { outputs: { data: string[] }[] }).outputs[0]!.data[0],
    );
    expect(words).toEqual(['go', ' forward']);
  }, 30_000);

  test('asr and vad-asr (PocketSphinx through koffi) transcribe as pocketsphinx_continuous does', async () => {
    const expected = await pocketsphinxCli(GO_FORWARD);
    const pcm = await readPcm(GO_FORWARD);
    for (const model of ['asr', 'vad-asr']) {
      const { outputs, status } = await streamOverGrpc(client, model, pcm);
      expect(status.code).toBe(0);
      expect(finals(outputs)).toEqual(expected);
    }
  }, 120_000);

  test('vad (Silero in its own worker threads, inside the model worker) finds the speech', async () => {
    const { outputs, status } = await streamOverGrpc(client, 'vad', await readPcm(GO_FORWARD));
    expect(status.code).toBe(0);
    const events = outputs.flatMap((o) => (o.event ?? []) as string[]);
    expect(events[0]).toBe('speech_start');
    expect(events.at(-1)).toBe('speech_end');
  }, 60_000);

  test('silero-vad (ONNX, server-held state) answers a stream of windows', async () => {
    const windows = Array.from({ length: 4 }, (_, i) => ({
      id: `w${i}`,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 512], data: new Array(512).fill(0) }],
    }));
    const socket = connect(`${server.http}/v2/models/silero-vad/infer_stream`);
    await socket.opened;
    for (const w of windows) socket.ws.send(JSON.stringify(w));
    socket.ws.send('');
    const replies = (await socket.rest()) as { outputs: { name: string; data: number[] }[] }[];
    expect(replies).toHaveLength(4);
    for (const reply of replies) {
      const probability = reply.outputs.find((o) => o.name === 'output')!.data[0]!;
      expect(probability).toBeGreaterThanOrEqual(0);
      expect(probability).toBeLessThan(0.5);
    }
  }, 60_000);
});
