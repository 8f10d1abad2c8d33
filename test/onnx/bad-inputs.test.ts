/** @jest-environment ./test/onnx/ort-environment.cjs */
import path from 'node:path';
import { infer, type RunningServer, startServer } from './harness.js';

let running: RunningServer;

beforeAll(async () => {
  running = await startServer(path.resolve('model-repository'));
});
afterAll(() => running.stop());

const features = (data: unknown[], extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data, ...extra }],
});

describe('bad inputs to an ONNX model get a 400 naming the tensor (REST)', () => {
  test.each([
    [
      'wrong datatype',
      features([1, 2, 3, 4], { datatype: 'FP64' }),
      "input 'features' has datatype FP64, but the model expects FP32",
    ],
    ['missing input', { inputs: [] }, "input 'features' is missing"],
    [
      'wrong shape',
      features([1, 2, 3, 4, 5], { shape: [1, 5] }),
      "input 'features' has shape [1,5], but the model expects [-1,4]",
    ],
    ['wrong rank', features([1, 2, 3, 4], { shape: [4] }), "input 'features' has shape [4]"],
    [
      'unknown output requested',
      { ...features([1, 2, 3, 4]), outputs: [{ name: 'logits' }] },
      "model 'iris-classifier' has no output 'logits'",
    ],
    [
      'non-numeric data',
      features([1, 'two', 3, 4]),
      'input \'features\' (FP32): element 1 is the string "two"',
    ],
    [
      'unknown input',
      {
        inputs: [...features([1, 2, 3, 4]).inputs, { name: 'x.1', datatype: 'FP32', shape: [1], data: [0] }],
      },
      "model 'iris-classifier' has no input 'x.1'",
    ],
  ])('%s', async (_case, body, message) => {
    const reply = await infer(running.url, 'iris-classifier', body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain(message);
  });

  test('what only onnxruntime can see (a scalar sr sent as a matrix) is a 400 with its message', async () => {
    const reply = await infer(running.url, 'silero-vad', {
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 512], data: new Array(512).fill(0) },
        { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
        { name: 'sr', datatype: 'INT64', shape: [1, 2], data: [16000, 16000] },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain("model 'silero-vad': onnxruntime rejected the request");
  });

  test('the model keeps serving after bad requests', async () => {
    const reply = await infer(running.url, 'iris-classifier', features([5.1, 3.5, 1.4, 0.2]));
    expect(reply.status).toBe(200);
  });
});
