import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { call, clientFor, tritonClientConstructor } from './harness.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const INFER = '/inference.GRPCInferenceService/ModelInfer';
const STREAM = '/inference.GRPCInferenceService/ModelStreamInfer';
/** Not a ModelInferRequest: field 1 claims 5 bytes, one follows. */
const GARBAGE = Buffer.from([0x0a, 0x05, 0x61]);

let server: CliServer;
let root: string;
let mlserver: grpc.Client;
let triton: grpc.Client;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-wire-codec-'));
  await cp(FIXTURES, root, { recursive: true });
  server = await startCliServer(root, { models: ['echo'], triton: true });
  const MlClient = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  const TritonClient = tritonClientConstructor();
  mlserver = new MlClient(server.grpc, grpc.credentials.createInsecure());
  triton = new TritonClient(server.grpcTriton!, grpc.credentials.createInsecure());
}, 90_000);
afterAll(async () => {
  mlserver?.close();
  triton?.close();
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

/** proto-loader's serializer for a method's requests, so a test can mix real messages and garbage. */
function requestSerializer(client: grpc.Client, method: string) {
  const definition = (client.constructor as grpc.ServiceClientConstructor).service[method]!;
  return (value: unknown) => (Buffer.isBuffer(value) ? value : definition.requestSerialize(value));
}

function responseDeserializer(client: grpc.Client, method: string) {
  return (client.constructor as grpc.ServiceClientConstructor).service[method]!.responseDeserialize;
}

const le = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

describe('gRPC through the wire codec, against the CLI', () => {
  it('echoes typed contents of every kind exactly (64-bit beyond 2^53, BYTES, FP64)', async () => {
    const reply = await call<{ outputs: { name: string; contents: Record<string, unknown[]> }[] }>(
      mlserver,
      'ModelInfer',
      {
        model_name: 'echo',
        inputs: [
          {
            name: 'i',
            datatype: 'INT64',
            shape: [2],
            contents: { int64_contents: ['-9223372036854775808', '9007199254740993'] },
          },
          {
            name: 'u',
            datatype: 'UINT64',
            shape: [1],
            contents: { uint64_contents: ['18446744073709551615'] },
          },
          { name: 'f', datatype: 'FP64', shape: [2], contents: { fp64_contents: [0.1, -1e300] } },
          {
            name: 's',
            datatype: 'BYTES',
            shape: [2],
            contents: { bytes_contents: [Buffer.from('é'), Buffer.alloc(0)] },
          },
          { name: 'b', datatype: 'INT8', shape: [2], contents: { int_contents: [-128, 127] } },
        ],
      },
    );
    expect(reply.outputs.map((o) => [o.name, Object.values(o.contents).find((v) => v.length > 0)])).toEqual([
      ['out_i', ['-9223372036854775808', '9007199254740993']],
      ['out_u', ['18446744073709551615']],
      ['out_f', [0.1, -1e300]],
      ['out_s', [Buffer.from('é'), Buffer.alloc(0)]],
      ['out_b', [-128, 127]],
    ]);
  });

  it('echoes raw contents as raw outputs, byte for byte', async () => {
    const raw = [le(new Float32Array([1.5, -2, 3])), le(new BigInt64Array([-1n, 2n ** 62n]))];
    const reply = await call<{ raw_output_contents: Buffer[] }>(mlserver, 'ModelInfer', {
      model_name: 'echo',
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [3] },
        { name: 'i', datatype: 'INT64', shape: [2] },
      ],
      raw_input_contents: raw,
    });
    expect(reply.raw_output_contents).toEqual(raw);
  });

  it('answers bytes that are not a ModelInferRequest with INVALID_ARGUMENT', async () => {
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      mlserver.makeUnaryRequest(
        INFER,
        (b: Buffer) => b,
        (b: Buffer) => b,
        GARBAGE,
        (err) => resolve(err!),
      );
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe('malformed ModelInferRequest: length 5 runs past the end at byte 2');
  });

  it('ends an MLServer-flavour stream that sends garbage with INVALID_ARGUMENT', async () => {
    const stream = mlserver.makeBidiStreamRequest(
      STREAM,
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const error = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    stream.on('data', () => undefined);
    stream.write(GARBAGE);
    stream.end();
    expect((await error).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('answers garbage in-band on the Triton stream and serves the next request', async () => {
    const stream = triton.makeBidiStreamRequest(
      STREAM,
      requestSerializer(triton, 'ModelStreamInfer'),
      responseDeserializer(triton, 'ModelStreamInfer'),
    );
    const responses: { error_message: string; infer_response?: { id: string } }[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (response) => responses.push(response));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write(GARBAGE);
    stream.write({
      model_name: 'echo',
      id: 'after',
      inputs: [
        { name: 'prompt', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('hi')] } },
      ],
    });
    stream.end();
    await ended;
    expect(responses.map((r) => [r.error_message, r.infer_response?.id])).toEqual([
      ['malformed ModelInferRequest: length 5 runs past the end at byte 2', ''],
      ['', 'after'],
    ]);
  });
});
