import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, clientFor, type Harness, startServer, textInput } from './harness.js';
import { openStream } from './stream-client.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

async function rest(
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${h.ports.http}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Duration = { count: number; ns: number };
type Stat = {
  name: string;
  version?: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<string, Duration>;
  batch_stats: { batch_size: number; compute_infer: Duration }[];
};

async function restStat(model: string): Promise<Stat> {
  const { status, body } = await rest(`/v2/models/${model}/stats`);
  expect(status).toBe(200);
  const stats = body.model_stats as Stat[];
  expect(stats).toHaveLength(1);
  return stats[0]!;
}

const int32 = { name: 'a', datatype: 'INT32', shape: [2], contents: { int_contents: [1, 2] } };
const DURATION_KEYS = ['count', 'ns'];

describe("Triton's statistics extension", () => {
  it("has Triton's documented JSON shape and counts successes, failures and stage durations", async () => {
    const before = await restStat('echo');
    await call(h.triton, 'ModelInfer', { model_name: 'echo', inputs: [int32] });
    await call(h.mlserver, 'ModelInfer', { model_name: 'echo', inputs: [int32] });
    expect((await rest('/v2/models/echo/infer', { inputs: [{ ...int32, data: [1, 2] }] })).status).toBe(200);
    // Not the declared datatype: refused after the model was found, so it counts as a failure.
    const bad = await rest('/v2/models/echo/infer', {
      inputs: [{ name: 'prompt', datatype: 'INT32', shape: [1], data: [1] }],
    });
    expect(bad.status).toBe(400);
    const after = await restStat('echo');

    // $model_stat, $inference_stats, $batch_stats and $duration_stat of the statistics extension.
    expect(Object.keys(after).sort()).toEqual(
      [
        'name',
        'last_inference',
        'inference_count',
        'execution_count',
        'inference_stats',
        'response_stats',
        'batch_stats',
        'memory_usage',
      ].sort(),
    );
    expect(Object.keys(after.inference_stats).sort()).toEqual(
      [
        'success',
        'fail',
        'queue',
        'compute_input',
        'compute_infer',
        'compute_output',
        'cache_hit',
        'cache_miss',
      ].sort(),
    );
    for (const stat of Object.values(after.inference_stats))
      expect(Object.keys(stat).sort()).toEqual(DURATION_KEYS);
    expect(after.batch_stats).toHaveLength(1);
    expect(Object.keys(after.batch_stats[0]!).sort()).toEqual(
      ['batch_size', 'compute_input', 'compute_infer', 'compute_output'].sort(),
    );

    const s = after.inference_stats;
    const b = before.inference_stats;
    expect(after.name).toBe('echo');
    expect(after.inference_count - before.inference_count).toBe(3);
    expect(after.execution_count - before.execution_count).toBe(3);
    expect(s.success!.count - b.success!.count).toBe(3);
    expect(s.fail!.count - b.fail!.count).toBe(1);
    for (const stage of ['queue', 'compute_input', 'compute_infer', 'compute_output']) {
      expect(s[stage]!.count - b[stage]!.count).toBe(3);
    }
    expect(s.success!.ns).toBeGreaterThan(b.success!.ns);
    expect(s.fail!.ns).toBeGreaterThan(b.fail!.ns);
    expect(s.compute_infer!.ns).toBeGreaterThan(b.compute_infer!.ns);
    // The stages are parts of the whole (each rounded to a nanosecond on its own).
    expect(
      s.queue!.ns + s.compute_input!.ns + s.compute_infer!.ns + s.compute_output!.ns,
    ).toBeLessThanOrEqual(s.success!.ns + 4 * s.success!.count);
    expect(after.batch_stats[0]).toMatchObject({ batch_size: 1, compute_infer: s.compute_infer });
    expect(after.last_inference).toBeGreaterThanOrEqual(before.last_inference);
    expect(after.last_inference).toBeLessThanOrEqual(Date.now());
  });

  it('gRPC ModelStatistics reports what REST does (uint64 fields, version "")', async () => {
    const [viaRest, viaGrpc] = await Promise.all([
      restStat('words'),
      call<{ model_stats: Record<string, unknown>[] }>(h.triton, 'ModelStatistics', { name: 'words' }),
    ]);
    const stat = viaGrpc.model_stats[0]!;
    expect(stat).toMatchObject({
      name: 'words',
      version: '',
      inference_count: String(viaRest.inference_count),
      inference_stats: { success: { count: String(viaRest.inference_stats.success!.count) } },
    });
    expect(stat.response_stats).toEqual({});
    expect(stat.memory_usage).toEqual([]);
  });

  it('counts streams: each Triton-flavour request, each MLServer-flavour call', async () => {
    const before = (await restStat('words')).inference_stats.success!.count;
    const triton = openStream(h.triton);
    triton.write({ model_name: 'words', id: '1', inputs: [textInput('a b')] });
    triton.write({ model_name: 'words', id: '2', inputs: [textInput('c')] });
    triton.end();
    await triton.rest();
    const mlserver = openStream(h.mlserver);
    mlserver.write({ model_name: 'words', inputs: [textInput('a b')] });
    mlserver.write({ inputs: [textInput('c')] });
    mlserver.end();
    await mlserver.rest();
    expect((await restStat('words')).inference_stats.success!.count - before).toBe(3);
  });

  it('keeps entries to loaded models: unknown names create none and get Triton’s message', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `ghost-${i}`);
    await Promise.all(
      names.map(async (name, i) => {
        if (i % 2 === 0) {
          expect((await rest(`/v2/models/${name}/infer`, { inputs: [] })).status).toBe(404);
        } else {
          await expect(
            call(h.triton, 'ModelInfer', { model_name: name, inputs: [int32] }),
          ).rejects.toMatchObject({
            code: grpc.status.NOT_FOUND,
          });
        }
      }),
    );
    const all = await rest('/v2/models/stats');
    expect((all.body.model_stats as Stat[]).map((s) => s.name)).toEqual([
      'collect',
      'echo',
      'fail',
      'hang',
      'words',
    ]);
    expect(await rest('/v2/models/ghost-1/stats')).toEqual({
      status: 404,
      body: { error: "Request for unknown model: 'ghost-1' is not found" },
    });
    expect(await rest('/v2/models/echo/versions/7/stats')).toEqual({
      status: 404,
      body: { error: "Request for unknown model: 'echo' version 7 is not found" },
    });
    await expect(call(h.triton, 'ModelStatistics', { name: 'ghost-2' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: "Request for unknown model: 'ghost-2' is not found",
    });
    const grpcAll = await call<{ model_stats: { name: string }[] }>(h.mlserver, 'ModelStatistics', {});
    expect(grpcAll.model_stats.map((s) => s.name)).toEqual(['collect', 'echo', 'fail', 'hang', 'words']);
  });
});

describe("Triton's model configuration extension", () => {
  it('GET /v2/models/{m}/config derives ModelConfig from the settings and metadata', async () => {
    expect(await rest('/v2/models/words/config')).toEqual({
      status: 200,
      body: {
        name: 'words',
        platform: 'test',
        backend: 'runtime.WordsModel',
        max_batch_size: 0,
        input: [{ name: 'prompt', data_type: 'TYPE_STRING', dims: [-1] }],
        output: [{ name: 'output', data_type: 'TYPE_STRING', dims: [-1] }],
        model_transaction_policy: { decoupled: true },
      },
    });
    const echo = await rest('/v2/models/echo/config');
    expect(echo.body.model_transaction_policy).toEqual({ decoupled: false });
    expect(await rest('/v2/models/nope/config')).toEqual({
      status: 404,
      body: { error: "Request for unknown model: 'nope' is not found" },
    });
  });

  it('gRPC ModelConfig answers the same on both listeners', async () => {
    for (const client of [h.triton, h.mlserver]) {
      expect(await call(client, 'ModelConfig', { name: 'words' })).toEqual({
        config: {
          name: 'words',
          platform: 'test',
          backend: 'runtime.WordsModel',
          max_batch_size: 0,
          input: [{ name: 'prompt', data_type: 'TYPE_STRING', dims: ['-1'] }],
          output: [{ name: 'output', data_type: 'TYPE_STRING', dims: ['-1'] }],
          model_transaction_policy: { decoupled: true },
        },
      });
    }
    await expect(call(h.triton, 'ModelConfig', { name: 'nope' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: "Request for unknown model: 'nope' is not found",
    });
  });

  it('both extensions are advertised in GET /v2 and ServerMetadata', async () => {
    const { body } = await rest('/v2');
    expect(body.extensions).toEqual(expect.arrayContaining(['statistics', 'model_configuration']));
    const metadata = await call<{ extensions: string[] }>(h.triton, 'ServerMetadata', {});
    expect(metadata.extensions).toEqual(body.extensions);
  });
});

describe('outputs on the Triton listener', () => {
  it('ModelInfer answers in raw_output_contents even for typed inputs; the MLServer listener keeps typed', async () => {
    const triton = await call<Record<string, unknown>>(h.triton, 'ModelInfer', {
      model_name: 'echo',
      inputs: [int32],
    });
    expect(triton).toMatchObject({
      outputs: [{ name: 'out_a', datatype: 'INT32', shape: ['2'], contents: null }],
      raw_output_contents: [Buffer.from([1, 0, 0, 0, 2, 0, 0, 0])],
    });
    const mlserver = await call<Record<string, unknown>>(h.mlserver, 'ModelInfer', {
      model_name: 'echo',
      inputs: [int32],
    });
    expect(mlserver).toMatchObject({
      outputs: [{ name: 'out_a', contents: { int_contents: [1, 2] } }],
      raw_output_contents: [],
    });
  });
});

describe("MLServer's inference.model_repository.ModelRepositoryService", () => {
  it('indexes, unloads and loads models over the core repository API', async () => {
    const Repository = clientFor(
      'inference/model_repository.proto',
      'inference.model_repository.ModelRepositoryService',
    );
    const client = new Repository(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      const index = await call<{ models: { name: string; state: string }[] }>(client, 'RepositoryIndex', {});
      expect(index.models).toContainEqual({ name: 'collect', version: '', state: 'READY', reason: '' });
      expect(await call(client, 'RepositoryModelUnload', { model_name: 'collect' })).toEqual({});
      expect(
        await call(h.mlserver, 'ModelReady', { name: 'collect' }).catch((e: grpc.ServiceError) => e.code),
      ).toBe(grpc.status.NOT_FOUND);
      const ready = await call<{ models: { name: string }[] }>(client, 'RepositoryIndex', { ready: true });
      expect(ready.models.map((m) => m.name)).not.toContain('collect');
      expect(await call(client, 'RepositoryModelLoad', { model_name: 'collect' })).toEqual({});
      expect(await call(h.mlserver, 'ModelReady', { name: 'collect' })).toEqual({ ready: true });
      await expect(call(client, 'RepositoryModelLoad', { model_name: 'ghost' })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    } finally {
      client.close();
    }
  });
});
