import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { call, clientFor, tritonClientConstructor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { postJson, type RunningServer, startTestServer } from '../helpers/test-server.js';

const SESSIONS = path.resolve(import.meta.dirname, '../fixtures/sessions');

let running: RunningServer;
let mlserver: grpc.Client;
let triton: grpc.Client;
beforeAll(async () => {
  running = await startTestServer({
    model_repository_root: SESSIONS,
    grpc_triton_port: 0,
    session_idle_timeout: 2,
  });
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  const Triton = tritonClientConstructor();
  mlserver = new Client(`127.0.0.1:${running.ports.grpc}`, grpc.credentials.createInsecure());
  triton = new Triton(`127.0.0.1:${running.ports.grpcTriton}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  mlserver.close();
  triton.close();
  await running.stop();
});

/** One step over REST: adds `step` to the sequence's total; returns the total or the error. */
async function restStep(sequence: Record<string, unknown>, step: number) {
  const reply = await postJson(`${running.url}/v2/models/accumulator/infer`, {
    parameters: sequence,
    inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [step] }],
    // A state output is the server's unless asked for by name.
    outputs: [{ name: 'total' }],
  });
  if (reply.status !== 200) return { status: reply.status, error: (reply.body as { error: string }).error };
  const outputs = (reply.body as { outputs: { name: string; data: number[] }[] }).outputs;
  return { status: 200, total: outputs.find((o) => o.name === 'total')!.data[0] };
}

describe("Triton's sequence extension over REST (server-held state across unary calls)", () => {
  test('two interleaved sequences keep separate state', async () => {
    expect(await restStep({ sequence_id: 1, sequence_start: true }, 5)).toEqual({ status: 200, total: 5 });
    expect(await restStep({ sequence_id: 'b', sequence_start: true }, 100)).toEqual({
      status: 200,
      total: 100,
    });
    expect(await restStep({ sequence_id: 1 }, 2)).toEqual({ status: 200, total: 7 });
    expect(await restStep({ sequence_id: 'b' }, 1)).toEqual({ status: 200, total: 101 });
    expect(await restStep({ sequence_id: 1, sequence_end: true }, 3)).toEqual({ status: 200, total: 10 });
    expect(await restStep({ sequence_id: 'b', sequence_end: true }, 0)).toEqual({ status: 200, total: 101 });
  });

  test('sequence_end frees the state: the next step without sequence_start is a 400', async () => {
    await restStep({ sequence_id: 7, sequence_start: true }, 1);
    await restStep({ sequence_id: 7, sequence_end: true }, 1);
    expect(await restStep({ sequence_id: 7 }, 1)).toEqual({
      status: 400,
      error: expect.stringMatching(
        /model 'accumulator' has no open sequence '7': start it with sequence_start: true/,
      ),
    });
    expect(await restStep({ sequence_id: 7, sequence_start: true }, 4)).toEqual({ status: 200, total: 4 });
    await restStep({ sequence_id: 7, sequence_end: true }, 0);
  });

  test('a state output not asked for by name stays on the server', async () => {
    const reply = await postJson(`${running.url}/v2/models/accumulator/infer`, {
      parameters: { sequence_id: 'quiet', sequence_start: true, sequence_end: true },
      inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [1] }],
    });
    expect((reply.body as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      'seen_carry',
    ]);
  });

  test('an unknown sequence, or a bad sequence_id, is a 400', async () => {
    expect((await restStep({ sequence_id: 'never-started' }, 1)).status).toBe(400);
    expect(await restStep({ sequence_id: -3 }, 1)).toEqual({
      status: 400,
      error: 'sequence_id must be a positive integer or a string; got "-3"',
    });
    expect(await restStep({ sequence_start: true }, 1)).toEqual({
      status: 400,
      error: 'sequence_start and sequence_end need a sequence_id',
    });
  });

  test('a sequence idle for session_idle_timeout is freed', async () => {
    await restStep({ sequence_id: 'sleepy', sequence_start: true }, 1);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await restStep({ sequence_id: 'sleepy' }, 1)).status).toBe(400);
  });
});

describe('sequences over gRPC: ModelInfer and the Triton stream share them', () => {
  const stepMessage = (sequence: Record<string, unknown>, step: number, id: string) => ({
    model_name: 'accumulator',
    id,
    parameters: sequence,
    inputs: [{ name: 'step', datatype: 'INT32', shape: [1], contents: { int_contents: [step] } }],
    outputs: [{ name: 'total' }, { name: 'seen_carry' }],
  });
  const total = (reply: { outputs: { name: string }[]; raw_output_contents?: Buffer[] }) => {
    const index = reply.outputs.findIndex((o) => o.name === 'total');
    return Buffer.from(reply.raw_output_contents![index]!).readInt32LE(0);
  };

  test('uint64 sequence ids through ModelInfer, then steps of the same sequence on a Triton stream', async () => {
    const start = { sequence_id: { uint64_param: '42' }, sequence_start: { bool_param: true } };
    const first = await call<{ outputs: { name: string; contents: { int_contents: number[] } }[] }>(
      mlserver,
      'ModelInfer',
      stepMessage(start, 10, 's1'),
    );
    expect(first.outputs.map((o) => [o.name, o.contents.int_contents[0]])).toEqual([
      ['total', 10],
      ['seen_carry', 0],
    ]);
    const stream = openStream<{
      error_message: string;
      infer_response: Parameters<typeof total>[0] & { id: string; parameters: Record<string, unknown> };
    }>(triton);
    stream.write(stepMessage({ sequence_id: { uint64_param: '42' } }, 5, 's2'));
    stream.write(
      stepMessage({ sequence_id: { uint64_param: '42' }, sequence_end: { bool_param: true } }, 1, 's3'),
    );
    stream.write(stepMessage({ sequence_id: { uint64_param: '42' } }, 1, 's4'));
    stream.end();
    const replies = await stream.rest();
    expect(
      replies.map((r) => [
        r.infer_response.id,
        r.error_message === '' ? total(r.infer_response) : r.error_message,
      ]),
    ).toEqual([
      ['s2', 15],
      ['s3', 16],
      ['s4', expect.stringMatching(/has no open sequence '42'/)],
    ]);
    expect(replies[0]!.infer_response.parameters.triton_final_response).toEqual({
      bool_param: true,
      parameter_choice: 'bool_param',
    });
  });

  test('an unknown sequence over ModelInfer is INVALID_ARGUMENT', async () => {
    const error = (await call(
      mlserver,
      'ModelInfer',
      stepMessage({ sequence_id: { string_param: 'x' } }, 1, 'u'),
    ).catch((err: unknown) => err)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/has no open sequence 'x'/);
  });
});
