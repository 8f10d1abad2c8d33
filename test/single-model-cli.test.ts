import { chmod, copyFile, mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startCli } from './helpers/cli-process.js';
import { getJson, postJson, tempFolder } from './helpers/test-server.js';
import { call, clientFor } from './grpc/harness.js';

const REPO = path.resolve(import.meta.dirname, '..');
const SIMPLE_ONNX = path.join(REPO, 'model-repository/simple/model.onnx');
const SENTIMENT = path.join(REPO, 'examples/sentiment/sentiment.ts');

/** The container's user (Dockerfile: 1000, group 0) when the tests run as root; else the caller. */
const containerUser = process.getuid?.() === 0 ? { uid: 1000, gid: 0 } : {};

/** Every entry below a folder with its size and modification time: any write changes it. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const lines = [`. ${(await stat(dir)).mtimeMs}`];
  for (const entry of entries.sort()) {
    const info = await stat(path.join(dir, entry));
    lines.push(`${entry} ${info.size} ${info.mtimeMs} ${info.mode.toString(8)}`);
  }
  return lines;
}

describe('single-model mode through the CLI (KServe: MLSERVER_MODEL_* and a read-only /mnt/models)', () => {
  test('an empty start folder, a read-only model folder, REST inference, and nothing written', async () => {
    const { dir, remove } = await tempFolder();
    const started = path.join(dir, 'empty');
    const models = path.join(dir, 'mnt-models');
    try {
      await mkdir(started);
      await mkdir(models);
      await copyFile(SIMPLE_ONNX, path.join(models, 'model.onnx'));
      await chmod(path.join(models, 'model.onnx'), 0o444);
      await chmod(models, 0o555);
      await chmod(started, 0o555);
      await chmod(dir, 0o755); // mkdtemp makes it 0700: the container user must get through
      const before = [await snapshot(models), await snapshot(started)];

      const cli = startCli(
        ['start', started],
        {
          MLSERVER_MODEL_NAME: 'simple-isvc',
          MLSERVER_MODEL_IMPLEMENTATION: 'onnx',
          MLSERVER_MODEL_URI: models,
          MLSERVER_MODEL_EXTRA: '{"workers": 1}',
        },
        containerUser,
      );
      try {
        const port = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
        await cli.waitForLine(/model simple-isvc: (READY)/);
        if (containerUser.uid !== undefined) {
          const status = await readFile(`/proc/${cli.child.pid}/status`, 'utf8');
          expect(status).toMatch(/^Uid:\t1000\t/m);
        }
        const url = `http://127.0.0.1:${port}`;
        expect(await getJson(`${url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
        const a = Array.from({ length: 16 }, (_, i) => i);
        const b = Array.from({ length: 16 }, () => 1);
        const infer = await postJson(`${url}/v2/models/simple-isvc/infer`, {
          inputs: [
            { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: a },
            { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: b },
          ],
        });
        expect(infer.status).toBe(200);
        expect(infer.body).toMatchObject({
          model_name: 'simple-isvc',
          outputs: expect.arrayContaining([
            expect.objectContaining({ name: 'OUTPUT0', data: a.map((x) => x + 1) }),
            expect.objectContaining({ name: 'OUTPUT1', data: a.map((x) => x - 1) }),
          ]),
        });
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(0);
      } finally {
        cli.child.kill('SIGKILL');
      }
      expect(cli.output()).toContain(
        `model simple-isvc from environment (MLSERVER_MODEL_*): onnx in ${models}`,
      );
      expect([await snapshot(models), await snapshot(started)]).toEqual(before);
    } finally {
      await chmod(models, 0o755).catch(() => undefined);
      await remove();
    }
  });

  test("a TypeScript runtime in the read-only model folder (module.Export), importing 'mlserver-ts' through an ancestor node_modules link as the image sets it up", async () => {
    const { dir, remove } = await tempFolder();
    const started = path.join(dir, 'empty');
    const models = path.join(dir, 'mnt', 'models');
    try {
      await mkdir(started);
      await mkdir(models, { recursive: true });
      // The image links /node_modules/mlserver-ts to the installed package; here <dir>/node_modules.
      await mkdir(path.join(dir, 'node_modules'));
      await symlink(REPO, path.join(dir, 'node_modules', 'mlserver-ts'));
      await copyFile(SENTIMENT, path.join(models, 'sentiment.ts'));
      await chmod(path.join(models, 'sentiment.ts'), 0o444);
      await chmod(models, 0o555);
      await chmod(dir, 0o755);
      const before = await snapshot(models);
      const cli = startCli(
        ['start', started],
        {
          MLSERVER_MODEL_NAME: 'sentiment',
          MLSERVER_MODEL_IMPLEMENTATION: 'sentiment.Sentiment',
          MLSERVER_MODEL_URI: models,
          MLSERVER_MODEL_EXTRA: '{"positive_words": ["good", "great"]}',
        },
        containerUser,
      );
      try {
        const port = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
        await cli.waitForLine(/model sentiment: (READY)/);
        const infer = await postJson(`http://127.0.0.1:${port}/v2/models/sentiment/infer`, {
          inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['a good day', 'great good'] }],
        });
        expect(infer.body).toMatchObject({ outputs: [{ name: 'score', data: [1, 2] }] });
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(0);
      } finally {
        cli.child.kill('SIGKILL');
      }
      expect(await snapshot(models)).toEqual(before);
    } finally {
      await chmod(models, 0o755).catch(() => undefined);
      await remove();
    }
  });

  test('ModelMesh / Seldon Core 2: no model at start-up, ready_without_models=true → ready over REST, ServerReady and grpc.health.v1', async () => {
    const { dir, remove } = await tempFolder();
    const cli = startCli(['start', dir], {
      MLSERVER_LOAD_MODELS_AT_STARTUP: 'false',
      MLSERVER_READY_WITHOUT_MODELS: 'true',
    });
    const Inference = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
    const Health = clientFor('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
    try {
      const http = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
      const grpcPort = await cli.waitForLine(/gRPC server running on [^:]+:(\d+)/);
      expect(await getJson(`http://127.0.0.1:${http}/v2/health/ready`)).toEqual({
        status: 200,
        body: { ready: true },
      });
      const inference = new Inference(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      const health = new Health(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      try {
        expect(await call(inference, 'ServerReady', {})).toEqual({ ready: true });
        expect(await call(health, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
        expect(await call(inference, 'RepositoryIndex', {})).toEqual({ models: [] });
      } finally {
        inference.close();
        health.close();
      }
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
      await remove();
    }
  });

  test('a bad MLSERVER_MODEL_* value: the model is listed unavailable with the variable named, readiness false', async () => {
    const { dir, remove } = await tempFolder();
    const cli = startCli(['start', dir], {
      MLSERVER_MODEL_NAME: 'broken',
      MLSERVER_MODEL_IMPLEMENTATION: 'onnx',
      MLSERVER_MODEL_MAX_BATCH_SIZE: 'lots',
    });
    try {
      const http = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/);
      await cli.waitForLine(/(MLSERVER_MODEL_MAX_BATCH_SIZE: expected integer)/);
      const url = `http://127.0.0.1:${http}`;
      expect((await getJson(`${url}/v2/health/ready`)).status).toBe(400);
      const index = await postJson(`${url}/v2/repository/index`, {});
      expect(index.body).toEqual([
        expect.objectContaining({
          name: 'broken',
          state: 'UNAVAILABLE',
          reason: expect.stringContaining('MLSERVER_MODEL_MAX_BATCH_SIZE'),
        }),
      ]);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
      await remove();
    }
  });
});
