/** @jest-environment ./test/onnx/ort-environment.cjs */
import { rm } from 'node:fs/promises';
import { ElementType as T } from '../../scripts/onnx-builder.js';
import { simpleModel } from '../../scripts/bundled-models.js';
import { infer, output, type RunningServer, startServer } from './harness.js';
import { identityModel, ODD_NAMES, tempRepository, writeModel } from './test-models.js';

let root: string;
let running: RunningServer;

beforeAll(async () => {
  root = await tempRepository();
  await writeModel(root, 'odd-names', identityModel(ODD_NAMES.map((name) => ({ name, elemType: T.FLOAT }))));
  await writeModel(
    root,
    'types',
    identityModel([
      { name: 'i64', elemType: T.INT64 },
      { name: 'u64', elemType: T.UINT64 },
      { name: 'f16', elemType: T.FLOAT16 },
      { name: 'flag', elemType: T.BOOL },
      { name: 'u8', elemType: T.UINT8 },
      { name: 'i8', elemType: T.INT8 },
      { name: 'u16', elemType: T.UINT16 },
      { name: 'i16', elemType: T.INT16 },
      { name: 'u32', elemType: T.UINT32 },
      { name: 'f64', elemType: T.DOUBLE },
      { name: 'text', elemType: T.STRING },
    ]),
    { extra: { workers: 2 } },
  );
  await writeModel(root, 'inline', simpleModel(), { extra: { workers: 0 } });
  await writeModel(root, 'bf16', identityModel([{ name: 'x', elemType: T.BFLOAT16 }]));
  await writeModel(root, 'declared-wrong-type', simpleModel(), {
    inputs: [{ name: 'INPUT1', datatype: 'FP32', shape: [-1, 16] }],
  });
  await writeModel(root, 'declared-wrong-shape', simpleModel(), {
    outputs: [{ name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 8] }],
  });
  await writeModel(root, 'declared-unknown', simpleModel(), {
    inputs: [{ name: 'INPUT2', datatype: 'INT32', shape: [-1, 16] }],
  });
  await writeModel(root, 'declared-narrow', simpleModel(), {
    inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [2, 16], parameters: { content_type: 'np' } }],
  });
  await writeModel(root, 'bad-options', simpleModel(), { extra: { workers: -1, threads: 4 } });
  await writeModel(root, 'cuda', simpleModel(), { extra: { execution_providers: ['cuda', 'cpu'] } });
  await writeModel(root, 'state-unknown', simpleModel(), {
    session: { state: [{ output: 'OUTPUT9', input: 'INPUT0' }] },
  });
  await writeModel(root, 'state-old', simpleModel(), { extra: { stream_state: { OUTPUT0: 'INPUT0' } } });
  running = await startServer(root);
});

afterAll(async () => {
  await running.stop();
  await rm(root, { recursive: true, force: true });
});

function loadFailure(name: string): string {
  const status = running.server.registry.list().find((model) => model.name === name);
  expect(status?.state).toBe('UNAVAILABLE');
  return status?.reason ?? '';
}

describe('ONNX model loading', () => {
  test('tensor names are arbitrary strings: metadata and inference keep them exactly', async () => {
    const metadata = (await (await fetch(`${running.url}/v2/models/odd-names`)).json()) as {
      inputs: { name: string }[];
    };
    expect(metadata.inputs.map((input) => input.name)).toEqual(ODD_NAMES);
    const reply = await infer(running.url, 'odd-names', {
      inputs: ODD_NAMES.map((name, i) => ({ name, datatype: 'FP32', shape: [2], data: [i, -i] })),
      outputs: [{ name: `${ODD_NAMES[3]}/out` }],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.outputs).toEqual([
      { name: '{"a": [1, "b"]}/out', datatype: 'FP32', shape: [2], data: [3, -3] },
    ]);
  });

  test('every datatype round-trips; 64-bit integers stay exact above 2^53', async () => {
    const big = ['9007199254740993', '-9223372036854775808', '9223372036854775807', 5];
    const ubig = ['18446744073709551615', '9007199254740993', 0, 7];
    const reply = await infer(running.url, 'types', {
      inputs: [
        { name: 'i64', datatype: 'INT64', shape: [4], data: big },
        { name: 'u64', datatype: 'UINT64', shape: [4], data: ubig },
        { name: 'f16', datatype: 'FP16', shape: [4], data: [1.5, -2, 65504, 0.1] },
        { name: 'flag', datatype: 'BOOL', shape: [4], data: [true, false, false, true] },
        { name: 'u8', datatype: 'UINT8', shape: [4], data: [0, 1, 128, 255] },
        { name: 'i8', datatype: 'INT8', shape: [4], data: [-128, -1, 0, 127] },
        { name: 'u16', datatype: 'UINT16', shape: [4], data: [0, 1, 40000, 65535] },
        { name: 'i16', datatype: 'INT16', shape: [4], data: [-32768, -1, 0, 32767] },
        { name: 'u32', datatype: 'UINT32', shape: [4], data: [0, 1, 3000000000, 4294967295] },
        { name: 'f64', datatype: 'FP64', shape: [4], data: [0.1, -1e300, 'Infinity', 2] },
        { name: 'text', datatype: 'BYTES', shape: [4], data: ['a', 'ünïcödé', '', '{"json": true}'] },
      ],
    });
    expect(reply.status).toBe(200);
    expect(output(reply, 'i64/out').data).toEqual(big);
    expect(output(reply, 'u64/out').data).toEqual(ubig);
    expect(output(reply, 'f16/out')).toEqual({
      name: 'f16/out',
      datatype: 'FP16',
      shape: [4],
      data: [1.5, -2, 65504, 0.0999755859375],
    });
    expect(output(reply, 'flag/out').data).toEqual([true, false, false, true]);
    expect(output(reply, 'u8/out').data).toEqual([0, 1, 128, 255]);
    expect(output(reply, 'i8/out').data).toEqual([-128, -1, 0, 127]);
    expect(output(reply, 'u16/out').data).toEqual([0, 1, 40000, 65535]);
    expect(output(reply, 'i16/out').data).toEqual([-32768, -1, 0, 32767]);
    expect(output(reply, 'u32/out').data).toEqual([0, 1, 3000000000, 4294967295]);
    expect(output(reply, 'f64/out').data.slice(0, 2)).toEqual([0.1, -1e300]);
    expect(output(reply, 'text/out')).toEqual({
      name: 'text/out',
      datatype: 'BYTES',
      shape: [4],
      data: ['a', 'ünïcödé', '', '{"json": true}'],
    });
  });

  test('workers: 0 runs the session on the server thread', async () => {
    expect(running.onnxModel('inline').options?.workers).toBe(0);
    const ones = new Array(16).fill(1);
    const reply = await infer(running.url, 'inline', {
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: ones },
        { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: ones },
      ],
    });
    expect(output(reply, 'OUTPUT0').data).toEqual(new Array(16).fill(2));
  });

  test('a BF16 model fails to load with a clear message', () => {
    expect(loadFailure('bf16')).toMatch(
      /element type bfloat16.*BF16 tensors cannot be created or read through onnxruntime-node/,
    );
  });

  test('declarations that contradict the model fail the load naming the tensor', () => {
    expect(loadFailure('declared-wrong-type')).toContain(
      "model-settings declares input 'INPUT1' as FP32, but the model's is INT32",
    );
    expect(loadFailure('declared-wrong-shape')).toContain(
      "model-settings declares output 'OUTPUT1' with shape [-1,8], but the model's is [-1,16]",
    );
    expect(loadFailure('declared-unknown')).toContain(
      "model-settings declares input 'INPUT2', but the model has no such input (its inputs: 'INPUT0', 'INPUT1')",
    );
  });

  test('declarations narrow the model and win in metadata', async () => {
    const metadata = (await (await fetch(`${running.url}/v2/models/declared-narrow`)).json()) as {
      inputs: unknown[];
    };
    expect(metadata.inputs).toEqual([
      { name: 'INPUT0', datatype: 'INT32', shape: [2, 16], parameters: { content_type: 'np' } },
      { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] },
    ]);
  });

  test('invalid parameters.extra fails the load naming every field', () => {
    const reason = loadFailure('bad-options');
    expect(reason).toContain('parameters.extra.workers: must be >= 0');
    expect(reason).toContain('parameters.extra.threads: unknown option');
  });

  test('a session.state naming a tensor the model lacks fails the load naming it', () => {
    expect(loadFailure('state-unknown')).toContain(
      "model 'state-unknown': session.state[0].output: the model has no output 'OUTPUT9'",
    );
  });

  test('the old parameters.extra.stream_state fails the load saying where it moved', () => {
    expect(loadFailure('state-old')).toContain(
      "parameters.extra.stream_state moved to model-settings' session.state",
    );
  });

  test('an execution provider this build lacks fails the load (CUDA is not installed here)', () => {
    expect(loadFailure('cuda')).toContain('parameters.extra.execution_providers: cuda not offered');
  });
});
