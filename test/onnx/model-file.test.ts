import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveModelFile } from '../../runtimes/onnx/model-file.js';
import { modelSettingsValidator } from '../../server/settings/model-settings.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-uri-'));
  await mkdir(path.join(root, 'm', 'weights'), { recursive: true });
  await writeFile(path.join(root, 'm', 'model.onnx'), '');
  await writeFile(path.join(root, 'm', 'weights', 'model.onnx'), '');
  await writeFile(path.join(root, 'm', 'other.onnx'), '');
  await mkdir(path.join(root, 'm', 'empty'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function settings(uri?: string) {
  const folder = path.join(root, 'm');
  const parameters = uri === undefined ? {} : { uri };
  return modelSettingsValidator.validate(
    {
      name: 'm',
      implementation: 'onnx',
      parameters,
      folder,
      source: path.join(folder, 'model-settings.json'),
    },
    'test',
  );
}

describe('parameters.uri of an ONNX model', () => {
  test('defaults to model.onnx in the model folder', async () => {
    expect(await resolveModelFile(settings())).toBe(path.join(root, 'm', 'model.onnx'));
  });

  test('names a file or a folder holding model.onnx, relative to the model folder', async () => {
    expect(await resolveModelFile(settings('other.onnx'))).toBe(path.join(root, 'm', 'other.onnx'));
    expect(await resolveModelFile(settings('weights'))).toBe(path.join(root, 'm', 'weights', 'model.onnx'));
  });

  test('a missing file or a folder without model.onnx fails the load, naming the uri', async () => {
    await expect(resolveModelFile(settings('nope.onnx'))).rejects.toThrow(
      "model 'm': parameters.uri 'nope.onnx' does not exist",
    );
    await expect(resolveModelFile(settings('empty'))).rejects.toThrow(
      "model 'm': parameters.uri 'empty' is a folder without model.onnx",
    );
  });
});
