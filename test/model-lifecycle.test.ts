import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../server/logger.js';
import { InferenceServer } from '../server/server.js';
import { serverSettingsValidator } from '../server/settings/server-settings.js';
import {
  FIXTURE_MODELS,
  getJson,
  postJson,
  type RunningServer,
  startTestServer,
  tempFolder,
} from './helpers/test-server.js';

const SUM_SOURCE = path.join(FIXTURE_MODELS, 'sum', 'sum_model.ts');
const request = { inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }] };

describe('model lifecycle over the repository API', () => {
  let running: RunningServer;
  let folder: { dir: string; remove: () => Promise<void> };

  const writeModel = async (name: string, settings: Record<string, unknown>) => {
    await mkdir(path.join(folder.dir, name), { recursive: true });
    await cp(SUM_SOURCE, path.join(folder.dir, name, 'sum_model.ts'));
    await writeFile(path.join(folder.dir, name, 'model-settings.json'), JSON.stringify(settings));
  };

  beforeAll(async () => {
    folder = await tempFolder();
    await writeModel('adder', { implementation: 'sum_model.SumModel', platform: 'first' });
    await writeModel('broken', { implementation: 'sum_model.NoSuchClass' });
    running = await startTestServer({ model_repository_root: folder.dir, ready_requires_all_models: false });
  });
  afterAll(async () => {
    await running.stop();
    await folder.remove();
  });

  test('a model failing to load leaves the others serving; relaxed readiness stays true', async () => {
    expect((await postJson(`${running.url}/v2/models/adder/infer`, request)).status).toBe(200);
    expect((await postJson(`${running.url}/v2/models/broken/infer`, request)).status).toBe(503);
    expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
  });

  test('reload reads the settings afresh and swaps the instance', async () => {
    await writeModel('adder', { implementation: 'sum_model.SumModel', platform: 'second' });
    expect((await postJson(`${running.url}/v2/repository/models/adder/load`, {})).status).toBe(200);
    expect(((await getJson(`${running.url}/v2/models/adder`)).body as { platform: string }).platform).toBe(
      'second',
    );
    expect((await postJson(`${running.url}/v2/models/adder/infer`, request)).status).toBe(200);
  });

  test('a failed reload keeps the previous instance serving', async () => {
    await writeModel('adder', { implementation: 'sum_model.Gone' });
    const reload = await postJson(`${running.url}/v2/repository/models/adder/load`, {});
    expect(reload.status).toBe(500);
    expect((reload.body as { error: string }).error).toMatch(/the previous instance keeps serving/);
    expect((await postJson(`${running.url}/v2/models/adder/infer`, request)).status).toBe(200);
  });

  test('unload removes the model; load brings a fixed one back', async () => {
    expect((await postJson(`${running.url}/v2/repository/models/adder/unload`, {})).status).toBe(200);
    expect((await postJson(`${running.url}/v2/models/adder/infer`, request)).status).toBe(404);
    const index = (await postJson(`${running.url}/v2/repository/index`, {})).body as {
      name: string;
      reason: string;
    }[];
    expect(index.find((m) => m.name === 'adder')?.reason).toBe('not loaded');
    await writeModel('adder', { implementation: 'sum_model.SumModel' });
    expect((await postJson(`${running.url}/v2/repository/models/adder/load`, {})).status).toBe(200);
    expect((await postJson(`${running.url}/v2/models/adder/infer`, request)).status).toBe(200);
  });

  test('a model added to the repository after start-up can be loaded', async () => {
    await writeModel('late', { implementation: 'sum_model.SumModel' });
    expect((await postJson(`${running.url}/v2/models/late/infer`, request)).status).toBe(404);
    expect((await postJson(`${running.url}/v2/repository/models/late/load`, {})).status).toBe(200);
    expect((await postJson(`${running.url}/v2/models/late/infer`, request)).status).toBe(200);
  });
});

describe('readiness', () => {
  test('false while a model loads, true once it is ready', async () => {
    const folder = await tempFolder();
    await mkdir(path.join(folder.dir, 'slow'));
    await writeFile(
      path.join(folder.dir, 'slow', 'slow_load.ts'),
      `import { MLModel } from 'mlserver-ts';
export class SlowLoad extends MLModel {
  override async load(): Promise<void> {
    await new Promise<void>((resolve) => { (globalThis as Record<string, unknown>).__releaseSlowLoad = resolve; });
  }
}
`,
    );
    await writeFile(
      path.join(folder.dir, 'slow', 'model-settings.json'),
      '{"implementation": "slow_load.SlowLoad"}',
    );
    const settings = serverSettingsValidator.validate(
      {
        model_repository_root: folder.dir,
        http_port: 0,
        grpc_port: 0,
        metrics_endpoint: null,
        host: '127.0.0.1',
      },
      'test',
    );
    const server = new InferenceServer({
      settings,
      importModule: (url) => import(url),
      logger: silentLogger,
    });
    const { http } = await server.start();
    const url = `http://127.0.0.1:${http}`;
    try {
      const globals = globalThis as Record<string, unknown>;
      while (!globals.__releaseSlowLoad) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await getJson(`${url}/v2/health/ready`)).toEqual({ status: 400, body: { ready: false } });
      expect(await getJson(`${url}/v2/models/slow/ready`)).toEqual({
        status: 400,
        body: { name: 'slow', ready: false },
      });
      const index = (await postJson(`${url}/v2/repository/index`, {})).body as { state: string }[];
      expect(index).toEqual([{ name: 'slow', version: '', state: 'LOADING', reason: '' }]);
      expect((await postJson(`${url}/v2/models/slow/infer`, { inputs: [] })).body).toEqual({
        error: "model 'slow' is not ready: it is loading",
      });
      (globals.__releaseSlowLoad as () => void)();
      await server.whenModelsLoaded();
      expect(await getJson(`${url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    } finally {
      await server.stop();
      await folder.remove();
    }
  });

  test('an invalid model-settings.json is an unavailable model with the validation errors', async () => {
    const folder = await tempFolder();
    await mkdir(path.join(folder.dir, 'typo'));
    await writeFile(
      path.join(folder.dir, 'typo', 'model-settings.json'),
      '{"implementation": "a.B", "max_batch_sise": 4}',
    );
    const running = await startTestServer({ model_repository_root: folder.dir });
    try {
      expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({
        status: 400,
        body: { ready: false },
      });
      const { status, body } = await postJson(`${running.url}/v2/models/typo/infer`, { inputs: [] });
      expect(status).toBe(503);
      expect((body as { error: string }).error).toMatch(
        /failed to load: invalid settings in .*model-settings.json:\n {2}- max_batch_sise: unknown field/,
      );
      const load = await postJson(`${running.url}/v2/repository/models/typo/load`, {});
      expect(load.status).toBe(500);
      expect((load.body as { error: string }).error).toMatch(
        /^model 'typo' failed to load: invalid settings in /,
      );
    } finally {
      await running.stop();
      await folder.remove();
    }
  });

  test('false when no model is loaded', async () => {
    const folder = await tempFolder();
    const running = await startTestServer({ model_repository_root: folder.dir });
    try {
      expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({
        status: 400,
        body: { ready: false },
      });
      expect(await getJson(`${running.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    } finally {
      await running.stop();
      await folder.remove();
    }
  });
});
