/** @jest-environment ./test/onnx/ort-environment.cjs */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientFor } from '../grpc/harness.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { scrapeUntil, sum } from '../helpers/metrics-scrape.js';
import { postJson } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';
import { readPcm, SILERO, TESTDATA } from '../speech/speech-helpers.js';

const WINDOW = 512;
const IRIS = path.resolve('model-repository/iris-classifier/model.onnx');

/**
 * The bundled ONNX models served twice through the real CLI, as they ship and with adaptive
 * batching on (`max_batch_size`, `max_batch_time`; Silero VAD's state batched on axis 1): every
 * batched answer — REST, gRPC, WebSocket sessions with server-held state, Triton sequences —
 * equals the unbatched one, and the batch-size metric shows the batches were real.
 */
describe('adaptive batching through the real CLI', () => {
  let server: CliServer;
  let folder: string;
  let metricsUrl: string;
  let audio: Float32Array[][];

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-batching-'));
    const vadSettings = JSON.parse(
      await readFile(path.resolve('model-repository/silero-vad/model-settings.json'), 'utf8'),
    ) as Record<string, unknown> & { parameters: { uri: string } };
    vadSettings.parameters.uri = 'model.onnx';
    const models: [string, string, Record<string, unknown>][] = [
      [
        'iris',
        IRIS,
        { name: 'iris', implementation: 'onnx', parameters: { uri: 'model.onnx', extra: { workers: 1 } } },
      ],
      [
        'iris-batched',
        IRIS,
        {
          name: 'iris-batched',
          implementation: 'onnx',
          max_batch_size: 8,
          max_batch_time: 0.2,
          parameters: { uri: 'model.onnx', extra: { workers: 1 } },
        },
      ],
      ['vad', SILERO, { ...vadSettings, name: 'vad' }],
      [
        'vad-batched',
        SILERO,
        { ...vadSettings, name: 'vad-batched', max_batch_size: 16, max_batch_time: 0.05 },
      ],
    ];
    for (const [name, file, settings] of models) {
      await mkdir(path.join(folder, name));
      await copyFile(file, path.join(folder, name, 'model.onnx'));
      await writeFile(path.join(folder, name, 'model-settings.json'), JSON.stringify(settings));
    }
    server = await startCliServer(folder, {
      models: models.map(([name]) => name),
      env: { MLSERVER_METRICS_PORT: '0' },
    });
    metricsUrl = `http://127.0.0.1:${await server.cli.waitForLine(/Metrics server running on http:\/\/[^:]+:(\d+)/)}/metrics`;
    // Six streams of real speech (one LibriVox sentence each), 512-sample windows.
    const files = ['0870', '0880', '0890', '0920', '0930', '0870'];
    audio = [];
    for (const [i, n] of files.entries()) {
      const pcm = await readPcm(`${TESTDATA}/librivox/sense_and_sensibility_01_austen_64kb-${n}.wav`);
      const windows: Float32Array[] = [];
      // The last stream starts half a second in: no two streams are the same.
      for (let at = i === 5 ? 8000 : 0; at + WINDOW <= pcm.length && windows.length < 120; at += WINDOW)
        windows.push(Float32Array.from(pcm.subarray(at, at + WINDOW), (s) => s / 32768));
      audio.push(windows);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const batchSizes = async (model: string, atLeast: number) => {
    const samples = await scrapeUntil(
      metricsUrl,
      (s) => sum(s, 'model_infer_batch_size_count', { model }) >= atLeast,
    );
    return {
      batches: sum(samples, 'model_infer_batch_size_count', { model }),
      requests: sum(samples, 'model_infer_batch_size_sum', { model }),
    };
  };

  const irisRows = Array.from({ length: 16 }, (_, i) => [
    4 + i * 0.2,
    3 + (i % 3) * 0.3,
    1 + i * 0.35,
    0.1 + i * 0.15,
  ]);
  const irisRequest = (row: number[]) => ({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: row }],
  });

  test('REST: 16 concurrent requests batched give what each gives alone, with its own id', async () => {
    const alone = [];
    for (const row of irisRows)
      alone.push((await postJson(`${server.http}/v2/models/iris/infer`, irisRequest(row))).body);
    const batched = await Promise.all(
      irisRows.map((row, i) =>
        postJson(`${server.http}/v2/models/iris-batched/infer`, { id: `req-${i}`, ...irisRequest(row) }),
      ),
    );
    for (const [i, reply] of batched.entries()) {
      expect(reply.status).toBe(200);
      const body = reply.body as { id: string; outputs: unknown[] };
      expect(body.id).toBe(`req-${i}`);
      expect(body.outputs).toEqual((alone[i] as { outputs: unknown[] }).outputs);
    }
    const { batches, requests } = await batchSizes('iris-batched', 1);
    expect(requests).toBe(16);
    expect(batches).toBeLessThan(16);
  }, 60_000);

  test('gRPC ModelInfer: concurrent requests batched give the same contents', async () => {
    const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    const client = new Client(server.grpc, grpc.credentials.createInsecure());
    const call = (model: string, row: number[]) =>
      new Promise<{ outputs: unknown[]; raw_output_contents: Buffer[]; id: string }>((resolve, reject) => {
        (client as unknown as { ModelInfer: Function }).ModelInfer(
          {
            model_name: model,
            id: `g-${row[0]}`,
            inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: row } }],
          },
          (err: Error | null, reply: { outputs: unknown[]; raw_output_contents: Buffer[]; id: string }) =>
            err ? reject(err) : resolve(reply),
        );
      });
    try {
      const before = (await batchSizes('iris-batched', 0)).requests;
      const alone = [];
      for (const row of irisRows.slice(0, 8)) alone.push(await call('iris', row));
      const batched = await Promise.all(irisRows.slice(0, 8).map((row) => call('iris-batched', row)));
      for (const [i, reply] of batched.entries()) {
        expect(reply.id).toBe(`g-${irisRows[i]![0]}`);
        expect(reply.outputs).toEqual(alone[i]!.outputs);
        expect(reply.raw_output_contents).toEqual(alone[i]!.raw_output_contents);
      }
      expect((await batchSizes('iris-batched', 0)).requests).toBe(before + 8);
    } finally {
      client.close();
    }
  }, 60_000);

  /** One WebSocket session streaming `windows` as binary frames; its speech probabilities. */
  async function stream(model: string, windows: Float32Array[]): Promise<number[]> {
    const socket = connect(`${server.http}/v2/models/${model}/infer_stream`);
    await socket.opened;
    for (const window of windows) socket.ws.send(window, { binary: true });
    socket.ws.send(Buffer.alloc(0), { binary: true });
    const responses = await socket.rest();
    return responses.map((r) => (r.outputs as { data: number[] }[])[0]!.data[0]!);
  }

  test('WebSocket sessions with server-held state: six streams batched step by step equal each alone', async () => {
    const alone: number[][] = [];
    for (const windows of audio) alone.push(await stream('vad', windows));
    const before = await batchSizes('vad-batched', 0);
    const together = await Promise.all(audio.map((windows) => stream('vad-batched', windows)));
    for (const [i, probabilities] of together.entries()) {
      expect(probabilities).toHaveLength(audio[i]!.length);
      probabilities.forEach((p, j) => {
        expect(p).toBeCloseTo(alone[i]![j]!, 5);
      });
    }
    // Streams differ, so a mix-up of states between sessions would show above.
    expect(alone[0]).not.toEqual(alone[5]);
    const after = await batchSizes('vad-batched', 0);
    const steps = audio.reduce((n, windows) => n + windows.length, 0);
    expect(after.requests - before.requests).toBe(steps);
    // Steps of several sessions shared model runs.
    expect(after.batches - before.batches).toBeLessThan(steps);
  }, 120_000);

  test('Triton sequences: interleaved steps of three sequences batched equal each alone', async () => {
    const step = (model: string, id: string, windows: Float32Array[], i: number) =>
      postJson(`${server.http}/v2/models/${model}/infer`, {
        parameters: { sequence_id: id, sequence_start: i === 0, sequence_end: i === windows.length - 1 },
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, WINDOW], data: Array.from(windows[i]!) }],
      }).then((reply) => {
        expect(reply.status).toBe(200);
        return (reply.body as { outputs: { data: number[] }[] }).outputs[0]!.data[0]!;
      });
    const streams = audio.slice(0, 3).map((windows) => windows.slice(0, 40));
    const alone: number[][] = [];
    for (const [s, windows] of streams.entries()) {
      const out: number[] = [];
      for (let i = 0; i < windows.length; i++) out.push(await step('vad', `alone-${s}`, windows, i));
      alone.push(out);
    }
    const together: number[][] = streams.map(() => []);
    for (let i = 0; i < 40; i++) {
      const results = await Promise.all(
        streams.map((windows, s) => step('vad-batched', `seq-${s}`, windows, i)),
      );
      for (const [s, p] of results.entries()) together[s]!.push(p);
    }
    for (const [s, probabilities] of together.entries())
      probabilities.forEach((p, j) => {
        expect(p).toBeCloseTo(alone[s]![j]!, 5);
      });
  }, 120_000);
});
