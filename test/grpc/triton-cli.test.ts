import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CliProcess, startCli } from '../helpers/cli-process.js';
import { runPython } from './tools.js';

const SIMPLE = fileURLToPath(new URL('../../model-repository/simple', import.meta.url));

let cli: CliProcess;
let root: string;
let http: string;
let triton: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-triton-cli-'));
  await cp(SIMPLE, path.join(root, 'simple'), { recursive: true });
  cli = startCli(['start', root], { MLSERVER_GRPC_TRITON_PORT: '0' });
  http = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
  triton = await cli.waitForLine(/gRPC server running on [^:]+:(\d+) \(ModelStreamInfer: Triton flavour\)/);
  await cli.waitForLine(/model simple: READY/, 60_000);
}, 90_000);
afterAll(async () => {
  cli.child.kill('SIGTERM');
  await cli.exited;
  await rm(root, { recursive: true, force: true });
});

type Duration = { count?: string; ns?: string };

describe('a Triton-style Python client against the CLI serving simple', () => {
  it('reads ModelConfig, infers from raw_output_contents, reads ModelStatistics and the unknown-model text', async () => {
    const result = await runPython<{
      config: { config: Record<string, unknown> };
      infer: {
        id: string;
        outputs: Record<string, { values: number[]; typed_contents: boolean; shape: number[] }>;
      };
      statistics: {
        model_stats: { name: string; inference_count: string; inference_stats: Record<string, Duration> }[];
      };
      all_statistics_models: string[];
      unknown_model: { code: string; message: string };
    }>('triton_client.py', `127.0.0.1:${triton}`);

    expect(result.config.config).toEqual({
      name: 'simple',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      input: [
        { name: 'INPUT0', data_type: 'TYPE_INT32', dims: ['-1', '16'] },
        { name: 'INPUT1', data_type: 'TYPE_INT32', dims: ['-1', '16'] },
      ],
      output: [
        { name: 'OUTPUT0', data_type: 'TYPE_INT32', dims: ['-1', '16'] },
        { name: 'OUTPUT1', data_type: 'TYPE_INT32', dims: ['-1', '16'] },
      ],
      // An ONNX model answers each request once: not decoupled, as in Triton.
      model_transaction_policy: {},
    });

    const input0 = Array.from({ length: 16 }, (_, i) => i);
    expect(result.infer.id).toBe('py-1');
    expect(result.infer.outputs.OUTPUT0).toEqual({
      datatype: 'INT32',
      shape: [1, 16],
      values: input0.map((v) => v + 1),
      typed_contents: false,
    });
    expect(result.infer.outputs.OUTPUT1!.values).toEqual(input0.map((v) => v - 1));

    const [stat] = result.statistics.model_stats;
    expect(stat).toMatchObject({ name: 'simple', inference_count: '1', execution_count: '1' });
    for (const stage of ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output']) {
      expect(stat!.inference_stats[stage]!.count).toBe('1');
      expect(Number(stat!.inference_stats[stage]!.ns)).toBeGreaterThan(0);
    }
    expect(result.all_statistics_models).toEqual(['simple']);
    expect(result.unknown_model).toEqual({
      code: 'NOT_FOUND',
      message: "Request for unknown model: 'nope' is not found",
    });
  }, 60_000);

  it("REST serves the same statistics and config in Triton's documented JSON", async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${http}/v2/models/stats`)).json()) as {
      model_stats: Record<string, unknown>[];
    };
    expect(stats.model_stats).toHaveLength(1);
    expect(stats.model_stats[0]).toMatchObject({
      name: 'simple',
      inference_count: expect.any(Number),
      inference_stats: { success: { count: expect.any(Number), ns: expect.any(Number) } },
      batch_stats: [{ batch_size: 1 }],
    });
    const config = (await (await fetch(`http://127.0.0.1:${http}/v2/models/simple/config`)).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      name: 'simple',
      max_batch_size: 0,
      input: [{ name: 'INPUT0', dims: [-1, 16] }, {}],
    });
  });
});
