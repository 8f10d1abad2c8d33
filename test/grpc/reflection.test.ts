import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DESCRIPTOR_SET } from '../../server/grpc/reflection.js';
import { type Harness, startServer } from './harness.js';
import { BUF, bufCurl, bufMessages, run, runPython } from './tools.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const prompt = (text: string, id: string) =>
  JSON.stringify({
    model_name: 'words',
    id,
    inputs: [{ name: 'prompt', datatype: 'BYTES', shape: ['1'], contents: { bytes_contents: [b64(text)] } }],
  });
const echoInt32 = JSON.stringify({
  model_name: 'echo',
  inputs: [{ name: 'a', datatype: 'INT32', shape: ['2'], contents: { int_contents: [1, 2] } }],
});

type Check = (messages: Record<string, unknown>[]) => void;
const one =
  (expected: Record<string, unknown>): Check =>
  (m) =>
    expect(m).toEqual([expected]);
const like =
  (expected: Record<string, unknown>): Check =>
  (m) =>
    expect(m).toMatchObject([expected]);

/** A request body and a check of the replies, for every method either listener serves. */
function cases(flavour: 'mlserver' | 'triton'): Record<string, [string, Check]> {
  const inference = 'inference.GRPCInferenceService';
  const repository = 'inference.model_repository.ModelRepositoryService';
  const common: Record<string, [string, Check]> = {
    [`${inference}/ServerLive`]: ['{}', one({ live: true })],
    [`${inference}/ServerReady`]: ['{}', one({ ready: true })],
    [`${inference}/ModelReady`]: ['{"name": "echo"}', one({ ready: true })],
    [`${inference}/ServerMetadata`]: ['{}', like({ name: 'mlserver-ts' })],
    [`${inference}/ModelMetadata`]: ['{"name": "words"}', like({ name: 'words', platform: 'test' })],
    [`${inference}/ModelConfig`]: [
      '{"name": "words"}',
      like({ config: { name: 'words', modelTransactionPolicy: { decoupled: true } } }),
    ],
    [`${inference}/ModelStatistics`]: ['{"name": "echo"}', like({ modelStats: [{ name: 'echo' }] })],
    [`${inference}/RepositoryIndex`]: [
      '{"ready": true}',
      (m) => expect((m[0]!.models as unknown[]).length).toBe(5),
    ],
    [`${inference}/RepositoryModelUnload`]: ['{"model_name": "collect"}', one({})],
    [`${inference}/RepositoryModelLoad`]: ['{"model_name": "collect"}', one({})],
    [`${repository}/RepositoryIndex`]: [
      '{}',
      (m) => expect((m[0]!.models as unknown[])[0]).toMatchObject({ name: 'collect', state: 'READY' }),
    ],
    [`${repository}/RepositoryModelUnload`]: ['{"model_name": "collect"}', one({})],
    [`${repository}/RepositoryModelLoad`]: ['{"model_name": "collect"}', one({})],
    'grpc.health.v1.Health/Check': ['{"service": ""}', one({ status: 'SERVING' })],
  };
  if (flavour === 'mlserver') {
    return {
      ...common,
      [`${inference}/ModelInfer`]: [echoInt32, like({ outputs: [{ contents: { intContents: [1, 2] } }] })],
      [`${inference}/ModelStreamInfer`]: [
        prompt('one two', 's1'),
        (m) => expect(m).toMatchObject([{ id: 's1' }, { id: 's1' }]),
      ],
      // Watch never ends by itself: buf curl would wait; Check covers the service.
    };
  }
  const tritonStream: Check = (m) =>
    expect(m).toMatchObject([
      { inferResponse: { id: 't1', rawOutputContents: [b64('\u0003\u0000\u0000\u0000one')] } },
      { inferResponse: { id: 't1', rawOutputContents: [b64('\u0004\u0000\u0000\u0000 two')] } },
    ]);
  return {
    ...common,
    [`${inference}/ModelInfer`]: [
      echoInt32,
      like({ rawOutputContents: [Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]).toString('base64')] }),
    ],
    [`${inference}/ModelStreamInfer`]: [prompt('one two', 't1'), tritonStream],
    'inference.triton.GRPCInferenceService/ModelStreamInfer': [prompt('one two', 't1'), tritonStream],
  };
}

describe.each(['mlserver', 'triton'] as const)('reflection on the %s listener', (flavour) => {
  const url = () => `http://127.0.0.1:${flavour === 'triton' ? h.ports.grpcTriton : h.ports.grpc}`;

  it('buf curl lists every method it serves and calls each one through reflection alone', async () => {
    const expected = cases(flavour);
    const listed = (await bufCurl(url(), undefined, ['--list-methods'])).trim().split('\n');
    expect(listed.sort()).toEqual([...Object.keys(expected), 'grpc.health.v1.Health/Watch'].sort());
    for (const [method, [body, check]] of Object.entries(expected)) {
      const replies = bufMessages(await bufCurl(`${url()}/${method}`, body));
      try {
        check(replies);
      } catch (err) {
        throw new Error(`${method}: ${(err as Error).message}`);
      }
    }
  }, 120_000);

  it("Python's descriptor pool loads every reflected file; each listener describes the stream it serves", async () => {
    const result = await runPython<{
      services: Record<string, Record<string, { output: string; server_streaming: boolean }>>;
      parameters_is_map: Record<string, boolean>;
    }>('reflection_client.py', url().replace('http://', ''));
    const methods = Object.entries(result.services).flatMap(([s, m]) =>
      Object.keys(m).map((name) => `${s}/${name}`),
    );
    expect(methods.sort()).toEqual([...Object.keys(cases(flavour)), 'grpc.health.v1.Health/Watch'].sort());
    expect(result.services['inference.GRPCInferenceService']!.ModelStreamInfer!.output).toBe(
      flavour === 'triton' ? 'inference.ModelStreamInferResponse' : 'inference.ModelInferResponse',
    );
    expect(result.parameters_is_map).toEqual({
      'inference.ModelInferRequest': true,
      'inference.ModelInferRequest.InferInputTensor': true,
    });
  }, 60_000);
});

describe('protos/ as the one source', () => {
  it('buf curl --schema protos reaches both listeners (Triton stream by its inference.triton name)', async () => {
    const schema = ['--schema', 'protos'];
    const mlserver = `http://127.0.0.1:${h.ports.grpc}`;
    const triton = `http://127.0.0.1:${h.ports.grpcTriton}`;
    expect(
      bufMessages(await bufCurl(`${mlserver}/inference.GRPCInferenceService/ServerReady`, '{}', schema)),
    ).toEqual([{ ready: true }]);
    expect(
      bufMessages(
        await bufCurl(`${triton}/inference.GRPCInferenceService/ModelConfig`, '{"name": "echo"}', schema),
      ),
    ).toMatchObject([{ config: { name: 'echo', backend: 'runtime.EchoModel' } }]);
    const stream = bufMessages(
      await bufCurl(
        `${triton}/inference.triton.GRPCInferenceService/ModelStreamInfer`,
        prompt('hi', 'x'),
        schema,
      ),
    );
    expect(stream).toMatchObject([
      { inferResponse: { id: 'x', parameters: { triton_final_response: { boolParam: false } } } },
    ]);
  }, 60_000);

  it('protos/descriptors.binpb is what buf compiles from protos/ (npm run protos)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-protos-'));
    try {
      const out = path.join(dir, 'descriptors.binpb');
      await run(BUF, ['build', 'protos', '--exclude-source-info', '--as-file-descriptor-set', '-o', out]);
      expect((await readFile(out)).equals(await readFile(DESCRIPTOR_SET))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
