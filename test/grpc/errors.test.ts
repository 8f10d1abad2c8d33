import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, type Harness, runtimeStarted, seenByRuntimes, startServer, textInput } from './harness.js';
import { openStream } from './stream-client.js';

const seen = seenByRuntimes();

let h: Harness;
beforeAll(async () => {
  h = await startServer({ grpc_max_message_length: 64 * 1024 });
});
afterAll(async () => {
  await h.close();
});

const infer = (request: Record<string, unknown>, options?: Parameters<typeof call>[3]) =>
  call(h.mlserver, 'ModelInfer', request, options);

describe('errors map to gRPC status codes, with clean details', () => {
  it.each([
    ['overloaded', grpc.status.RESOURCE_EXHAUSTED, 'too busy'],
    ['unavailable', grpc.status.UNAVAILABLE, 'not now'],
    ['invalid', grpc.status.INVALID_ARGUMENT, 'bad prompt'],
    ['not_found', grpc.status.NOT_FOUND, 'no such thing'],
    ['internal', grpc.status.INTERNAL, 'boom'],
    ['plain', grpc.status.INTERNAL, 'model error: plain failure'],
  ])('a runtime throwing %s gives code %i', async (fail, code, details) => {
    const request = {
      model_name: 'fail',
      parameters: { fail: { string_param: fail } },
      inputs: [textInput('x')],
    };
    await expect(infer(request)).rejects.toMatchObject({ code, details });
  });

  it.each([
    [
      { model_name: 'nope', inputs: [] },
      grpc.status.NOT_FOUND,
      "Request for unknown model: 'nope' is not found",
    ],
    [{ inputs: [] }, grpc.status.INVALID_ARGUMENT, 'model_name is required'],
    [
      {
        model_name: 'echo',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [2], contents: { fp32_contents: [1] } }],
      },
      grpc.status.INVALID_ARGUMENT,
      "input 'a' has shape [2] (2 elements) but its data holds 1 elements",
    ],
    [
      {
        model_name: 'echo',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1], contents: { int_contents: [1] } }],
      },
      grpc.status.INVALID_ARGUMENT,
      "input 'a' (FP32) carries elements in int_contents; FP32 elements go in fp32_contents",
    ],
    [
      {
        model_name: 'echo',
        inputs: [{ name: 'a', datatype: 'INT8', shape: [1], contents: { int_contents: [300] } }],
      },
      grpc.status.INVALID_ARGUMENT,
      "input 'a' (INT8): element 0 is 300, out of range [-128, 127]",
    ],
    [
      {
        model_name: 'echo',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1] }],
        raw_input_contents: [Buffer.alloc(4), Buffer.alloc(4)],
      },
      grpc.status.INVALID_ARGUMENT,
      'raw_input_contents has 2 entries but the request has 1 inputs; send one per input, in order',
    ],
    [
      {
        model_name: 'echo',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1] }],
        raw_input_contents: [Buffer.alloc(3)],
      },
      grpc.status.INVALID_ARGUMENT,
      "input 'a': raw data holds 3 bytes but shape [1] of FP32 needs 4 (1 × 4)",
    ],
    [
      { model_name: 'echo', inputs: [{ name: 'a', datatype: 'FP128', shape: [1] }] },
      grpc.status.INVALID_ARGUMENT,
      'input \'a\' has unknown datatype "FP128"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BF16, BYTES',
    ],
  ])('a bad request is refused: %j', async (request, code, details) => {
    await expect(infer(request)).rejects.toMatchObject({ code, details });
  });

  it('ModelInfer on a runtime that only streams is UNIMPLEMENTED', async () => {
    await expect(infer({ model_name: 'words', inputs: [textInput('x')] })).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
      details:
        "model 'words' does not implement predict; it serves streaming only (REST infer_stream or generate_stream, gRPC ModelStreamInfer)",
    });
  });

  it('a message over grpc_max_message_length is RESOURCE_EXHAUSTED', async () => {
    const big = {
      model_name: 'echo',
      inputs: [{ name: 'a', datatype: 'UINT8', shape: [100_000] }],
      raw_input_contents: [Buffer.alloc(100_000)],
    };
    await expect(infer(big)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });
});

describe('deadlines and cancellation reach the runtime signal', () => {
  it('a unary deadline gives DEADLINE_EXCEEDED and aborts the runtime with DeadlineExceededError', async () => {
    const request = { model_name: 'hang', id: 'deadline-1', inputs: [textInput('x')] };
    await expect(infer(request, { deadline: Date.now() + 300 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    await runtimeStarted('deadline-1');
    while (seen.aborts.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.aborts.at(-1)).toMatchObject({ name: 'DeadlineExceededError', code: 'deadline_exceeded' });
  });

  it('cancelling a stream aborts the runtime with CancelledError', async () => {
    const before = seen.aborts.length;
    const stream = openStream(h.mlserver);
    stream.write({ model_name: 'hang', id: 'cancel-1', inputs: [textInput('x')] });
    await runtimeStarted('cancel-1');
    stream.cancel();
    expect(await stream.status).toMatchObject({ code: grpc.status.CANCELLED });
    while (seen.aborts.length === before) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.aborts.at(-1)).toMatchObject({ name: 'CancelledError', code: 'cancelled' });
  });

  it('a stream deadline ends a Triton stream with DEADLINE_EXCEEDED', async () => {
    const before = seen.aborts.length;
    const stream = openStream(h.triton, { deadlineMs: 300 });
    stream.write({ model_name: 'hang', id: 'deadline-2', inputs: [textInput('x')] });
    expect(await stream.status).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    while (seen.aborts.length === before) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.aborts.at(-1)).toMatchObject({ name: 'DeadlineExceededError' });
  });
});
