import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadServerSettings } from '../server/settings/load-settings.js';
import { modelSettingsValidator } from '../server/settings/model-settings.js';
import { serverSettingsFromEnv, serverSettingsValidator } from '../server/settings/server-settings.js';
import { SettingsError } from '../server/settings/settings-error.js';
import { tempFolder } from './helpers/test-server.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
  throw new Error('expected a SettingsError');
}

describe('settings.json', () => {
  test("defaults are MLServer's ports and the result is frozen", () => {
    const settings = serverSettingsValidator.validate({}, 'settings.json');
    expect([settings.http_port, settings.grpc_port, settings.metrics_port]).toEqual([8080, 8081, 8082]);
    expect(settings.host).toBe('0.0.0.0');
    expect(Object.isFrozen(settings)).toBe(true);
  });

  test("the notebook's settings load", () => {
    const settings = serverSettingsValidator.validate(
      { debug: false, parallel_workers: 0, gzip_enabled: false, metrics_endpoint: null },
      'settings.json',
    );
    expect(settings.metrics_endpoint).toBeNull();
  });

  test('every problem is listed with its JSON path', () => {
    const problems = problemsOf(() =>
      serverSettingsValidator.validate(
        { http_port: '80', colour: 'red', cors_settings: { allow_origins: 'x', shade: 1 }, debug: 1 },
        'settings.json',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'http_port: expected integer',
        'colour: unknown field',
        'cors_settings.allow_origins: expected array',
        'cors_settings.shade: unknown field',
        'debug: expected boolean',
      ]),
    );
  });

  test('a feature that is not built yet is accepted only with its off value', () => {
    const problems = problemsOf(() =>
      serverSettingsValidator.validate({ environments_dir: '/envs' }, 'settings.json'),
    );
    expect(problems).toEqual([
      'environments_dir: "/envs" is not available yet in mlserver-ts (there are no Python environments to unpack); only null is accepted',
    ]);
    expect(problemsOf(() => serverSettingsValidator.validate({ kafka_enabled: true }, 'f'))[0]).toMatch(
      /^kafka_enabled: true is not available yet/,
    );
  });

  test('parallel_workers: worker threads per model, 0 to 64', () => {
    expect(serverSettingsValidator.validate({}, 'f').parallel_workers).toBe(0);
    expect(serverSettingsValidator.validate({ parallel_workers: 2 }, 'f').parallel_workers).toBe(2);
    expect(problemsOf(() => serverSettingsValidator.validate({ parallel_workers: 65 }, 'f'))).toEqual([
      'parallel_workers: must be <= 64',
    ]);
    expect(problemsOf(() => serverSettingsValidator.validate({ parallel_workers: -1 }, 'f'))).toEqual([
      'parallel_workers: must be >= 0',
    ]);
  });

  test('the error names the file', () => {
    expect(() => serverSettingsValidator.validate({ debug: 'yes' }, '/srv/settings.json')).toThrow(
      'invalid settings in /srv/settings.json:\n  - debug: expected boolean',
    );
  });

  test('MLSERVER_* environment variables are coerced by field type', () => {
    expect(
      serverSettingsFromEnv({
        MLSERVER_HTTP_PORT: '9000',
        MLSERVER_DEBUG: 'true',
        MLSERVER_HOST: '127.0.0.1',
        MLSERVER_METRICS_ENDPOINT: 'null',
        MLSERVER_CORS_SETTINGS: '{"allow_origins":["*"]}',
        UNRELATED: 'x',
      }),
    ).toEqual({
      http_port: 9000,
      debug: true,
      host: '127.0.0.1',
      metrics_endpoint: null,
      cors_settings: { allow_origins: ['*'] },
    });
  });

  test('file values win over the environment; the repository root is resolved against the folder', async () => {
    const { dir, remove } = await tempFolder();
    try {
      await writeFile(
        path.join(dir, 'settings.json'),
        JSON.stringify({ http_port: 7000, model_repository_root: 'models' }),
      );
      const settings = await loadServerSettings(dir, {
        MLSERVER_HTTP_PORT: '9000',
        MLSERVER_GRPC_PORT: '9001',
      });
      expect(settings.http_port).toBe(7000);
      expect(settings.grpc_port).toBe(9001);
      expect(settings.model_repository_root).toBe(path.join(dir, 'models'));
    } finally {
      await remove();
    }
  });

  test('a settings.json that is not JSON names the file', async () => {
    const { dir, remove } = await tempFolder();
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'settings.json'), '{ "debug": tru');
      await expect(loadServerSettings(dir, {})).rejects.toThrow(
        `invalid settings in ${path.join(dir, 'settings.json')}`,
      );
    } finally {
      await remove();
    }
  });
});

describe('model-settings.json', () => {
  const base = { name: 'm', implementation: 'm.M', folder: '/x', source: '/x/model-settings.json' };

  test("the notebook's model settings load with defaults", () => {
    const settings = modelSettingsValidator.validate(
      {
        ...base,
        versions: ['text-model/v1.2.3'],
        platform: 'mlserver',
        inputs: [{ datatype: 'BYTES', name: 'prompt', shape: [1] }],
        outputs: [{ datatype: 'BYTES', name: 'output', shape: [1] }],
      },
      'model-settings.json',
    );
    expect(settings.parameters).toEqual({
      uri: null,
      version: null,
      environment_tarball: null,
      environment_path: null,
      format: null,
      content_type: null,
      extra: {},
    });
    expect(settings.max_batch_size).toBe(0);
  });

  test('wrong types, unknown fields and unknown datatypes name the JSON path', () => {
    const problems = problemsOf(() =>
      modelSettingsValidator.validate(
        {
          ...base,
          inputs: [{ name: 'x', datatype: 'FP8', shape: [1] }],
          parameters: { uri: 3, colour: 'x' },
          extra: 1,
        },
        'model-settings.json',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^inputs\.0\.datatype: expected one of "BOOL", /),
        'parameters.uri: expected string,null',
        'parameters.colour: unknown field',
        'extra: unknown field',
      ]),
    );
  });

  test('parallel_workers: null (the server decides), 0 (the server thread) or a worker count', () => {
    expect(modelSettingsValidator.validate(base, 'f').parallel_workers).toBeNull();
    expect(modelSettingsValidator.validate({ ...base, parallel_workers: 0 }, 'f').parallel_workers).toBe(0);
    expect(modelSettingsValidator.validate({ ...base, parallel_workers: 3 }, 'f').parallel_workers).toBe(3);
  });

  test('adaptive batching: max_batch_size, max_batch_time and max_queue_size are accepted, bad values named', () => {
    const settings = modelSettingsValidator.validate(
      { ...base, max_batch_size: 8, max_batch_time: 0.005, max_queue_size: 64 },
      'f',
    );
    expect([settings.max_batch_size, settings.max_batch_time, settings.max_queue_size]).toEqual([
      8, 0.005, 64,
    ]);
    expect(
      problemsOf(() => modelSettingsValidator.validate({ ...base, max_batch_time: -1 }, 'f'))[0],
    ).toMatch(/^max_batch_time: must be >= 0/);
  });

  test('implementation is required', () => {
    const { implementation: _, ...rest } = base;
    expect(problemsOf(() => modelSettingsValidator.validate(rest, 'f'))).toEqual([
      "(root): must have required property 'implementation'",
    ]);
  });
});
