import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, clientFor, type Harness, startServer } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

describe('unary RPCs of GRPCInferenceService', () => {
  it('ServerLive, ServerReady and ModelReady', async () => {
    expect(await call(h.mlserver, 'ServerLive', {})).toEqual({ live: true });
    expect(await call(h.mlserver, 'ServerReady', {})).toEqual({ ready: true });
    expect(await call(h.mlserver, 'ModelReady', { name: 'echo' })).toEqual({ ready: true });
    await expect(call(h.mlserver, 'ModelReady', { name: 'nope' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('ServerMetadata and ModelMetadata', async () => {
    expect(await call(h.mlserver, 'ServerMetadata', {})).toEqual({
      name: 'mlserver-ts',
      version: '0.1.0',
      extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics'],
    });
    const metadata = await call(h.triton, 'ModelMetadata', { name: 'words' });
    expect(metadata).toEqual({
      name: 'words',
      versions: [],
      platform: 'test',
      inputs: [{ name: 'prompt', datatype: 'BYTES', shape: ['-1'] }],
      outputs: [{ name: 'output', datatype: 'BYTES', shape: ['-1'] }],
    });
  });

  it('RepositoryIndex, RepositoryModelUnload and RepositoryModelLoad', async () => {
    const index = await call<{ models: { name: string; state: string }[] }>(
      h.mlserver,
      'RepositoryIndex',
      {},
    );
    expect(index.models.map((m) => [m.name, m.state])).toEqual([
      ['collect', 'READY'],
      ['echo', 'READY'],
      ['fail', 'READY'],
      ['hang', 'READY'],
      ['words', 'READY'],
    ]);
    expect(await call(h.mlserver, 'RepositoryModelUnload', { model_name: 'collect' })).toEqual({});
    const ready = await call<{ models: { name: string }[] }>(h.mlserver, 'RepositoryIndex', { ready: true });
    expect(ready.models.map((m) => m.name)).not.toContain('collect');
    expect(await call(h.mlserver, 'RepositoryModelLoad', { model_name: 'collect' })).toEqual({});
    expect(await call(h.mlserver, 'ModelReady', { name: 'collect' })).toEqual({ ready: true });
    await expect(call(h.mlserver, 'RepositoryModelLoad', { model_name: 'ghost' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: "model 'ghost' not found in the repository",
    });
  });

  it('ModelInfer passes metadata to the runtime as headers and runtime headers back as metadata', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-test', 'hello');
    const response = await new Promise<{ reply: Record<string, unknown>; headers: grpc.Metadata }>(
      (resolve, reject) => {
        let headers = new grpc.Metadata();
        const c = h.mlserver.ModelInfer!(
          {
            model_name: 'echo',
            id: 'req-1',
            inputs: [{ name: 'a', datatype: 'INT32', shape: [2], contents: { int_contents: [1, 2] } }],
          },
          metadata,
          (err: unknown, reply: Record<string, unknown>) => (err ? reject(err) : resolve({ reply, headers })),
        ) as grpc.ClientUnaryCall;
        c.on('metadata', (m: grpc.Metadata) => {
          headers = m;
        });
      },
    );
    expect(response.headers.get('x-echo')).toEqual(['hello']);
    expect(response.reply).toMatchObject({
      model_name: 'echo',
      id: 'req-1',
      parameters: { seen_id: { string_param: 'req-1' } },
      outputs: [{ name: 'out_a', datatype: 'INT32', shape: ['2'], contents: { int_contents: [1, 2] } }],
    });
  });
});

describe('grpc.health.v1.Health', () => {
  const Health = clientFor('grpc/health/v1/health.proto', 'grpc.health.v1.Health');

  it('Check answers SERVING for the server and the inference service, NOT_FOUND for others', async () => {
    const health = new Health(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      expect(await call(health, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
      expect(await call(health, 'Check', { service: 'inference.GRPCInferenceService' })).toEqual({
        status: 'SERVING',
      });
      await expect(call(health, 'Check', { service: 'other' })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    } finally {
      health.close();
    }
  });

  it('Watch sends the current status first', async () => {
    const health = new Health(`127.0.0.1:${h.ports.grpcTriton}`, grpc.credentials.createInsecure());
    try {
      const stream = (health as unknown as { Watch(req: unknown): grpc.ClientReadableStream<unknown> }).Watch(
        { service: '' },
      );
      const ended = new Promise((resolve) => stream.once('error', resolve));
      const first = await new Promise((resolve) => stream.once('data', resolve));
      expect(first).toEqual({ status: 'SERVING' });
      stream.cancel();
      expect(await ended).toMatchObject({ code: grpc.status.CANCELLED });
    } finally {
      health.close();
    }
  });
});

describe('server reflection', () => {
  it('lists the inference and health services and describes a message', async () => {
    const Reflection = clientFor(
      '../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
      'grpc.reflection.v1.ServerReflection',
    );
    const client = new Reflection(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      const stream = (
        client as unknown as {
          ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, Record<string, unknown>>;
        }
      ).ServerReflectionInfo();
      const replies: Record<string, unknown>[] = [];
      const done = new Promise((resolve, reject) => {
        stream.on('data', (reply) => replies.push(reply));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      stream.write({ list_services: '*' });
      stream.write({ file_containing_symbol: 'inference.ModelInferRequest' });
      stream.end();
      await done;
      const services = (replies[0]!.list_services_response as { service: { name: string }[] }).service.map(
        (s) => s.name,
      );
      expect(services).toEqual(
        expect.arrayContaining(['inference.GRPCInferenceService', 'grpc.health.v1.Health']),
      );
      const files = (replies[1]!.file_descriptor_response as { file_descriptor_proto: Uint8Array[] })
        .file_descriptor_proto;
      expect(Buffer.concat(files).toString('latin1')).toContain('raw_input_contents');
    } finally {
      client.close();
    }
  });
});
