import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { type CliProcess, startCli } from './helpers/cli-process.js';
import { binaryBody, postBinary, readBinaryResponse } from './helpers/binary-body.js';
import { FIXTURE_MODELS } from './helpers/test-server.js';
import { clientFor } from './grpc/harness.js';

const MB = 1024 * 1024;
const SIZE = 64 * MB;

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** A 64 MB FP32 tensor whose every element differs, so any corruption shows. */
function bigTensor(): Float32Array {
  const values = new Float32Array(SIZE / 4);
  for (let i = 0; i < values.length; i++) values[i] = i * 0.5;
  return values;
}

/**
 * A 64 MB FP32 tensor round-trips over binary REST and raw gRPC through a real server process,
 * whose peak memory grows by only a small multiple of the tensor's size.
 */
describe('large tensors', () => {
  let cli: CliProcess;
  let http: string;
  let grpcPort: string;
  const tensor = bigTensor();
  const bytes = new Uint8Array(tensor.buffer);

  beforeAll(async () => {
    cli = startCli(['start', FIXTURE_MODELS]);
    http = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
    grpcPort = await cli.waitForLine(/gRPC server running on [^:]+:(\d+)/);
    await cli.waitForLine(/model identity: READY/);
  });
  afterAll(async () => {
    cli.child.kill('SIGTERM');
    await cli.exited;
  });

  test('64 MB over binary REST: exact bytes, server peak memory under 4× the tensor', async () => {
    const before = peakRss(cli.child.pid!);
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'x', shape: [tensor.length], datatype: 'FP32', parameters: { binary_data_size: SIZE } },
        ],
        parameters: { binary_data_output: true },
      },
      bytes,
    );
    const res = await postBinary(`http://127.0.0.1:${http}/v2/models/identity/infer`, body, headerLength);
    expect(res.status).toBe(200);
    const { header, rest } = await readBinaryResponse(res);
    expect((header.outputs as { parameters: unknown }[])[0]!.parameters).toEqual({ binary_data_size: SIZE });
    expect(Buffer.compare(rest, Buffer.from(bytes))).toBe(0);
    const growth = peakRss(cli.child.pid!) - before;
    expect(growth / SIZE).toBeLessThan(4);
  });

  test('64 MB over raw gRPC: exact bytes, server peak memory under 5× the tensor', async () => {
    const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    const client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 256 * MB,
      'grpc.max_send_message_length': 256 * MB,
    }) as unknown as grpc.Client & { ModelInfer: (...args: unknown[]) => void };
    const before = peakRss(cli.child.pid!);
    try {
      const reply = await new Promise<{ raw_output_contents: Buffer[] }>((resolve, reject) =>
        client.ModelInfer(
          {
            model_name: 'identity',
            inputs: [{ name: 'x', datatype: 'FP32', shape: [tensor.length] }],
            raw_input_contents: [Buffer.from(bytes.buffer)],
          },
          (err: Error | null, value: { raw_output_contents: Buffer[] }) =>
            err ? reject(err) : resolve(value),
        ),
      );
      expect(reply.raw_output_contents).toHaveLength(1);
      expect(Buffer.compare(reply.raw_output_contents[0]!, Buffer.from(bytes))).toBe(0);
    } finally {
      client.close();
    }
    const growth = peakRss(cli.child.pid!) - before;
    expect(growth / SIZE).toBeLessThan(5);
  });
});
