import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError } from '../server/errors.js';
import { ModelRepository, readModelSettings } from '../server/repository.js';
import { RuntimeLoader } from '../server/runtime-loader.js';
import { FIXTURE_MODELS, tempFolder } from './helpers/test-server.js';

describe('model repository scan', () => {
  test('finds every model-settings.json, skipping node_modules and hidden folders', async () => {
    const { models, invalid } = await new ModelRepository(FIXTURE_MODELS).scan();
    expect(invalid).toEqual([]);
    expect(models.map((m) => `${m.name}@${m.parameters.version ?? ''}`).sort()).toEqual([
      'broken-stream@',
      'codec-echo@',
      'echo-headers@',
      'failing-load@',
      'identity@',
      'js-model@',
      'raw-single@',
      'slow-stream@',
      'sum@',
      'text-stream@',
      'versioned@1',
      'versioned@2',
    ]);
  });

  test('the name defaults to the folder name', async () => {
    const settings = await readModelSettings(
      path.join(FIXTURE_MODELS, 'echo-headers', 'model-settings.json'),
    );
    expect(settings.name).toBe('echo-headers');
    expect(settings.folder).toBe(path.join(FIXTURE_MODELS, 'echo-headers'));
  });

  test('an invalid model-settings.json is reported with its file; the others still load', async () => {
    const { dir, remove } = await tempFolder();
    try {
      await mkdir(path.join(dir, 'good'));
      await mkdir(path.join(dir, 'bad'));
      await writeFile(path.join(dir, 'good', 'model-settings.json'), '{"implementation": "a.B"}');
      await writeFile(path.join(dir, 'bad', 'model-settings.json'), '{"implementation": 5}');
      const { models, invalid } = await new ModelRepository(dir).scan();
      expect(models.map((m) => m.name)).toEqual(['good']);
      expect(invalid).toHaveLength(1);
      expect(invalid[0]!.error.message).toContain(path.join(dir, 'bad', 'model-settings.json'));
      expect(invalid[0]!.error.problems).toEqual(['implementation: expected string']);
    } finally {
      await remove();
    }
  });
});

describe('implementation resolution', () => {
  const loader = new RuntimeLoader((url) => import(url));
  const settingsFor = (folder: string) =>
    readModelSettings(path.join(FIXTURE_MODELS, folder, 'model-settings.json'));

  test('module.Export resolves a TypeScript or JavaScript file next to model-settings.json', async () => {
    expect((await loader.create(await settingsFor('sum'))).constructor.name).toBe('SumModel');
    expect((await loader.create(await settingsFor('js-model'))).constructor.name).toBe('PlainModel');
  });

  test('a built-in short name resolves to the registered runtime', async () => {
    const withBuiltin = new RuntimeLoader((url) => import(url)).register('sum-builtin', async () => {
      const module = await import('./fixtures/models/sum/sum_model.js');
      return module.SumModel;
    });
    const settings = { ...(await settingsFor('sum')), implementation: 'sum-builtin' };
    expect((await withBuiltin.create(settings)).constructor.name).toBe('SumModel');
  });

  test.each([
    ['nothing.Thing', /no nothing\{\.ts,\.mts,\.js,\.mjs,\.cjs\} in /],
    ['sum_model.Missing', /sum_model\.ts has no exported class 'Missing' \(exports: SumModel\)/],
    ['justaname', /'justaname' is neither a built-in runtime \(none\) nor 'module\.ExportName'/],
  ])('%s fails with a clear ModelLoadError', async (implementation, message) => {
    const settings = { ...(await settingsFor('sum')), implementation };
    const error = await loader.create(settings).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('MLModel.uri', () => {
  const loader = new RuntimeLoader((url) => import(url));
  test('parameters.uri is resolved against the model folder; a uri with a scheme is kept', async () => {
    const base = await readModelSettings(path.join(FIXTURE_MODELS, 'sum', 'model-settings.json'));
    const withUri = (uri: string | null) => ({ ...base, parameters: { ...base.parameters, uri } });
    expect((await loader.create(withUri('weights/model.bin'))).uri).toBe(
      path.join(FIXTURE_MODELS, 'sum', 'weights/model.bin'),
    );
    expect((await loader.create(withUri('s3://bucket/model'))).uri).toBe('s3://bucket/model');
    expect((await loader.create(withUri(null))).uri).toBeUndefined();
  });
});
