import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ErrorCode } from '../../server/errors.js';
import { GRPC_STATUS } from '../../server/grpc/grpc-status.js';
import { HTTP_STATUS } from '../../server/wire/http-status.js';
import { call, clientFor, tritonClientConstructor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { type CliServer, outsideFolder, startCliServer } from '../helpers/cli-server.js';
import { postSse } from '../helpers/sse-client.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/outside');

/** Every error class a runtime may throw, with the canonical code it must keep. */
const CLASSES: [string, ErrorCode][] = [
  ['InvalidInputError', 'invalid_argument'],
  ['NotFoundError', 'not_found'],
  ['ModelNotReadyError', 'model_not_ready'],
  ['UnavailableError', 'unavailable'],
  ['OverloadedError', 'overloaded'],
  ['PayloadTooLargeError', 'payload_too_large'],
  ['UnsupportedMediaTypeError', 'unsupported_media_type'],
  ['DeadlineExceededError', 'deadline_exceeded'],
  ['UnimplementedError', 'unimplemented'],
  ['InternalError', 'internal'],
  ['Error', 'internal'],
];

function restBody(raise: string, before = 0) {
  return { id: 'r1', parameters: { raise, before }, inputs: [] };
}

function protoRequest(raise: string) {
  return { model_name: 'raiser', id: 'g1', parameters: { raise: { string_param: raise } }, inputs: [] };
}

/**
 * The runtime contract as users meet it: a runtime in a folder outside the repository, with its
 * own package.json and its own copy of mlserver-ts in node_modules, served by the real CLI.
 * Each error class it throws reaches every client with its documented status.
 */
describe.each([
  ['ESM TypeScript', 'esm', 'the server thread', '0'],
  ['CommonJS JavaScript', 'cjs', 'the server thread', '0'],
  ['ESM TypeScript', 'esm', 'a worker thread', '1'],
  ['CommonJS JavaScript', 'cjs', 'a worker thread', '1'],
])('a %s runtime outside the repository, in %s, through the real CLI', (_label, variant, _where, workers) => {
  let server: CliServer;
  let remove: () => Promise<void>;
  const insecure = grpc.credentials.createInsecure();
  const MlClient = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  const TritonClient = tritonClientConstructor();
  let mlserver: grpc.Client;
  let triton: grpc.Client;

  beforeAll(async () => {
    const folder = await outsideFolder(path.join(FIXTURES, variant), { ownCopy: true });
    remove = folder.remove;
    server = await startCliServer(folder.dir, {
      models: ['raiser', 'plain'],
      triton: true,
      env: { MLSERVER_PARALLEL_WORKERS: workers },
    });
    mlserver = new MlClient(server.grpc, insecure);
    triton = new TritonClient(server.grpcTriton!, insecure);
  }, 60_000);

  afterAll(async () => {
    mlserver?.close();
    triton?.close();
    expect(await server?.stop()).toBe(0);
    await remove?.();
  });

  test('it shares the server’s one copy of mlserver-ts, though its node_modules has another', async () => {
    const res = await fetch(`${server.http}/v2/models/raiser/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: { data: number[] }[] };
    expect(body.outputs[0]!.data).toEqual([1]);
    expect(server.cli.output()).not.toMatch(/copies of mlserver-ts are loaded/);
  });

  test('a unary-only runtime is answered once, flagged final, on the Triton stream (not "decoupled")', async () => {
    const stream = openStream<{
      error_message: string;
      infer_response: { parameters: Record<string, unknown> };
    }>(triton);
    stream.write({ model_name: 'plain', id: 'p1', inputs: [] });
    stream.end();
    const messages = await stream.rest();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.error_message).toBe('');
    expect(messages[0]!.infer_response.parameters.triton_final_response).toEqual({
      bool_param: true,
      parameter_choice: 'bool_param',
    });
  });

  test.each(CLASSES)('%s: REST infer, SSE before and after the first event', async (name, code) => {
    const unary = await fetch(`${server.http}/v2/models/raiser/infer`, {
      method: 'POST',
      body: JSON.stringify(restBody(name)),
    });
    expect(unary.status).toBe(HTTP_STATUS[code]);
    expect(((await unary.json()) as { error: string }).error).toContain(`raised ${name}`);

    const before = await fetch(`${server.http}/v2/models/raiser/generate_stream`, {
      method: 'POST',
      body: JSON.stringify(restBody(name)),
    });
    expect(before.status).toBe(HTTP_STATUS[code]);
    expect(before.headers.get('content-type')).toMatch(/application\/json/);
    await before.text();

    const events = [];
    for await (const event of postSse(`${server.http}/v2/models/raiser/generate_stream`, restBody(name, 1)))
      events.push(event);
    expect(events.map((e) => e.event)).toEqual([undefined, 'error']);
    expect(JSON.parse(events[1]!.data)).toEqual({ error: expect.stringContaining(`raised ${name}`) });
  });

  test.each(CLASSES)('%s: gRPC ModelInfer and ModelStreamInfer on both listeners', async (name, code) => {
    for (const client of [mlserver, triton]) {
      const unary = await call(client, 'ModelInfer', protoRequest(name)).catch(
        (err: grpc.ServiceError) => err,
      );
      expect((unary as grpc.ServiceError).code).toBe(GRPC_STATUS[code]);
      expect((unary as grpc.ServiceError).details).toContain(`raised ${name}`);
    }
    const stream = openStream(mlserver);
    stream.write(protoRequest(name));
    stream.end();
    expect(await stream.rest()).toEqual([]);
    expect(await stream.status).toEqual({
      code: GRPC_STATUS[code],
      details: expect.stringContaining(`raised ${name}`),
    });

    // Triton's flavour answers in-band and the stream goes on.
    const inBand = openStream<{ error_message: string }>(triton);
    inBand.write(protoRequest(name));
    inBand.write({ ...protoRequest(''), parameters: {} });
    inBand.end();
    const messages = await inBand.rest();
    expect(messages[0]!.error_message).toContain(`raised ${name}`);
    expect(messages[1]!.error_message).toBe('');
    expect((await inBand.status).code).toBe(grpc.status.OK);
  });
});
