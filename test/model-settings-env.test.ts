import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../server/logger.js';
import { ModelRepository } from '../server/repository.js';
import { InferenceServer } from '../server/server.js';
import { MODEL_ENV_SOURCE, modelSettingsFromEnv } from '../server/settings/model-settings-env.js';
import { serverSettingsValidator } from '../server/settings/server-settings.js';
import { FIXTURE_MODELS, getJson, postJson, tempFolder } from './helpers/test-server.js';

const SUM = path.join(FIXTURE_MODELS, 'sum');

describe('the single model of MLSERVER_MODEL_* (MLServer without model-settings.json)', () => {
  test('without MLSERVER_MODEL_IMPLEMENTATION there is no model, whatever else is set', async () => {
    expect(await modelSettingsFromEnv({}, '/srv')).toBeUndefined();
    // Seldon Core 2's MLServer container sets this one without an implementation.
    expect(await modelSettingsFromEnv({ MLSERVER_MODEL_PARALLEL_WORKERS: '1' }, '/srv')).toBeUndefined();
    expect(await modelSettingsFromEnv({ MLSERVER_MODEL_IMPLEMENTATION: '' }, '/srv')).toBeUndefined();
  });

  test("KServe's variables: name, implementation, uri (a folder), plus version and extra", async () => {
    const model = await modelSettingsFromEnv(
      {
        MLSERVER_MODEL_NAME: 'my-isvc',
        MLSERVER_MODEL_IMPLEMENTATION: 'onnx',
        MLSERVER_MODEL_URI: SUM,
        MLSERVER_MODEL_VERSION: 'v2',
        MLSERVER_MODEL_EXTRA: '{"workers": 1}',
        MLSERVER_MODEL_MAX_BATCH_SIZE: '1',
        MLSERVER_MODEL_PLATFORM: 'onnx',
        MLSERVER_MODEL_INPUTS: '[{"name":"x","datatype":"FP32","shape":[-1]}]',
        MLSERVER_MODEL_REPOSITORY_ROOT: '/not/a/model/field',
      },
      '/srv',
    );
    expect(model && 'settings' in model).toBe(true);
    const { settings } = model as Extract<typeof model, { settings: unknown }>;
    expect(settings).toMatchObject({
      name: 'my-isvc',
      implementation: 'onnx',
      platform: 'onnx',
      max_batch_size: 1,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      folder: SUM,
      source: MODEL_ENV_SOURCE,
      parameters: { uri: SUM, version: 'v2', extra: { workers: 1 } },
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  test('a uri naming a file: the folder is its parent; a relative uri is relative to the working directory', async () => {
    const file = await modelSettingsFromEnv(
      { MLSERVER_MODEL_IMPLEMENTATION: 'onnx', MLSERVER_MODEL_URI: 'sum/sum_model.ts' },
      '/srv',
      FIXTURE_MODELS,
    );
    expect(file).toMatchObject({
      name: 'sum',
      settings: { name: 'sum', folder: SUM, parameters: { uri: path.join(SUM, 'sum_model.ts') } },
    });
  });

  test('without a uri, the model folder is the repository root and the name its folder name', async () => {
    const model = await modelSettingsFromEnv({ MLSERVER_MODEL_IMPLEMENTATION: 'onnx' }, '/mnt/models');
    expect(model).toMatchObject({
      settings: { name: 'models', folder: '/mnt/models', parameters: { uri: null } },
    });
  });

  test('bad values: every problem, named by its variable, through the same validator as model-settings.json', async () => {
    const model = await modelSettingsFromEnv(
      {
        MLSERVER_MODEL_NAME: 'm',
        MLSERVER_MODEL_IMPLEMENTATION: 'onnx',
        MLSERVER_MODEL_EXTRA: 'workers=1',
        MLSERVER_MODEL_MAX_BATCH_TIME: 'soon',
        MLSERVER_MODEL_INPUTS: '[{"name":"x","datatype":"FLOAT","shape":[1]}]',
      },
      '/srv',
    );
    expect(model && 'error' in model).toBe(true);
    const { error, name } = model as Extract<typeof model, { error: unknown }>;
    expect(name).toBe('m');
    expect(error.message).toMatch(/^invalid settings in environment \(MLSERVER_MODEL_\*\):/);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'MLSERVER_MODEL_EXTRA: expected object',
        'MLSERVER_MODEL_MAX_BATCH_TIME: expected number',
        expect.stringMatching(/^MLSERVER_MODEL_INPUTS\.0\.datatype: expected one of "BOOL"/),
      ]),
    );
    const unbuilt = await modelSettingsFromEnv(
      { MLSERVER_MODEL_IMPLEMENTATION: 'onnx', MLSERVER_MODEL_WARM_WORKERS: 'true' },
      '/srv',
    );
    expect((unbuilt as { error: { problems: readonly string[] } }).error.problems).toEqual([
      expect.stringMatching(/^MLSERVER_MODEL_WARM_WORKERS: true is not available yet in mlserver-ts/),
    ]);
  });

  test('the repository uses it only when it finds no valid model-settings.json', async () => {
    const { dir, remove } = await tempFolder();
    try {
      const env = { MLSERVER_MODEL_IMPLEMENTATION: 'sum_model.SumModel', MLSERVER_MODEL_URI: SUM };
      const empty = await new ModelRepository(dir, env).scan();
      expect(empty.models.map((m) => [m.name, m.source])).toEqual([['sum', MODEL_ENV_SOURCE]]);
      expect(await new ModelRepository(dir, {}).scan()).toEqual({ models: [], invalid: [] });

      const bad = await new ModelRepository(dir, { ...env, MLSERVER_MODEL_EXTRA: '[' }).scan();
      expect(bad.models).toEqual([]);
      expect(bad.invalid.map((i) => [i.name, i.file, i.error.problems])).toEqual([
        ['sum', MODEL_ENV_SOURCE, ['MLSERVER_MODEL_EXTRA: expected object']],
      ]);

      await mkdir(path.join(dir, 'own'));
      await writeFile(path.join(dir, 'own', 'model-settings.json'), '{"implementation": "onnx"}');
      const withFile = await new ModelRepository(dir, env).scan();
      expect(withFile.models.map((m) => m.name)).toEqual(['own']);
    } finally {
      await remove();
    }
  });

  test('a module.Export implementation resolves inside the model folder; load_models_at_startup=false loads it on request', async () => {
    const { dir, remove } = await tempFolder();
    const settings = serverSettingsValidator.validate(
      {
        model_repository_root: dir,
        load_models_at_startup: false,
        http_port: 0,
        grpc_port: 0,
        metrics_endpoint: null,
        host: '127.0.0.1',
      },
      'test',
    );
    const env = {
      MLSERVER_MODEL_NAME: 'adder',
      MLSERVER_MODEL_IMPLEMENTATION: 'sum_model.SumModel',
      MLSERVER_MODEL_URI: SUM,
    };
    const server = new InferenceServer({
      settings,
      importModule: (url) => import(url),
      logger: silentLogger,
      env,
    });
    try {
      const url = `http://127.0.0.1:${(await server.start()).http}`;
      expect((await getJson(`${url}/v2/health/ready`)).status).toBe(400);
      const index = await postJson(`${url}/v2/repository/index`, {});
      expect(index.body).toEqual([
        { name: 'adder', version: '', state: 'UNAVAILABLE', reason: 'not loaded' },
      ]);
      expect((await postJson(`${url}/v2/repository/models/adder/load`, {})).status).toBe(200);
      const infer = await postJson(`${url}/v2/models/adder/infer`, {
        inputs: [{ name: 'a', datatype: 'INT32', shape: [3], data: [1, 2, 3] }],
      });
      expect(infer.body).toMatchObject({ model_name: 'adder', outputs: [{ name: 'total', data: [6] }] });
      expect((await getJson(`${url}/v2/health/ready`)).status).toBe(200);
    } finally {
      await server.stop();
      await remove();
    }
  });
});

describe('ready_without_models', () => {
  const start = async (overrides: Record<string, unknown>) => {
    const { dir, remove } = await tempFolder();
    const settings = serverSettingsValidator.validate(
      {
        model_repository_root: dir,
        http_port: 0,
        grpc_port: 0,
        metrics_endpoint: null,
        host: '127.0.0.1',
        ...overrides,
      },
      'test',
    );
    const server = new InferenceServer({
      settings,
      importModule: (url) => import(url),
      logger: silentLogger,
      env: {},
    });
    const url = `http://127.0.0.1:${(await server.start()).http}`;
    await server.whenModelsLoaded();
    return {
      url,
      server,
      root: dir,
      stop: async () => {
        await server.stop();
        await remove();
      },
    };
  };

  test('off (the default): a server with no model is not ready', async () => {
    const running = await start({});
    try {
      expect(running.server.settings.ready_without_models).toBe(false);
      expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({
        status: 400,
        body: { ready: false },
      });
    } finally {
      await running.stop();
    }
  });

  test('on: ready with zero models, and a model that fails to load still makes it not ready', async () => {
    const running = await start({ ready_without_models: true, load_models_at_startup: false });
    try {
      expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
      await cp(path.join(FIXTURE_MODELS, 'failing-load'), path.join(running.root, 'failing-load'), {
        recursive: true,
      });
      expect((await postJson(`${running.url}/v2/repository/models/failing-load/load`, {})).status).toBe(500);
      expect(await getJson(`${running.url}/v2/health/ready`)).toEqual({
        status: 400,
        body: { ready: false },
      });
    } finally {
      await running.stop();
    }
  });

  test('readiness is held while the start-up scan runs, so it never flips true before models register', async () => {
    const { dir, remove } = await tempFolder();
    const settings = serverSettingsValidator.validate(
      {
        model_repository_root: dir,
        ready_without_models: true,
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
      env: {},
    });
    try {
      await server.start();
      // start() has returned but the scan has not been awaited: no model registered yet, held.
      expect(server.dataplane.ready()).toBe(false);
      await server.whenModelsLoaded();
      expect(server.dataplane.ready()).toBe(true);
    } finally {
      await server.stop();
      await remove();
    }
  });
});
