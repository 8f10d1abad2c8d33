import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ModelLoadError } from '../../server/errors.js';
import type { ModelFilesPolicy } from '../../server/model-files.js';
import { readModelSettings } from '../../server/repository.js';
import { RuntimeLoader } from '../../server/runtime-loader.js';
import { startCliServer } from '../helpers/cli-server.js';
import { postJson } from '../helpers/test-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A runtime that leaves a file behind when it is imported (so a test can see code ran). */
const EVIL = `import { writeFileSync } from 'node:fs';
import { MLModel } from 'mlserver-ts';
writeFileSync(new URL('./imported', import.meta.url), 'ran');
export class Evil extends MLModel {
  override async predict() { return { outputs: [] }; }
}
`;

/** A runtime that parses its uri as JSON: its error would quote the file (V8 shows a snippet). */
const READER = `import { readFileSync } from 'node:fs';
import { MLModel } from 'mlserver-ts';
export class Reader extends MLModel {
  override async load() { JSON.parse(readFileSync(this.uri!, 'utf8')); }
  override async predict() { return { outputs: [] }; }
}
`;

const OK = `import { MLModel } from 'mlserver-ts';
export class Ok extends MLModel {
  override async predict() { return { outputs: [{ name: 'ok', shape: [1], datatype: 'INT32', data: [1] }] }; }
}
`;

let outside: string;
let repo: string;

/** Writes a model folder `name` in the test repository with these settings (and files). */
async function model(name: string, settings: Record<string, unknown>, files: Record<string, string> = {}) {
  const folder = path.join(repo, name);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'model-settings.json'), JSON.stringify({ name, ...settings }));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(folder, file), text);
  return readModelSettings(path.join(folder, 'model-settings.json'));
}

function loader(policy?: ModelFilesPolicy): RuntimeLoader {
  return new RuntimeLoader((url) => import(url), policy);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the load to fail');
    },
    (err: Error) => err,
  );
}

beforeAll(async () => {
  // Names without dots: `implementation` turns dots into folders.
  outside = await mkdtemp(path.join(tmpdir(), 'mlserverOutside'));
  repo = await mkdtemp(path.join(tmpdir(), 'mlserverRepo'));
  await writeFile(path.join(outside, 'evil.ts'), EVIL);
  await writeFile(path.join(outside, 'ok.ts'), OK);
});
afterAll(async () => {
  await rm(outside, { recursive: true, force: true });
  await rm(repo, { recursive: true, force: true });
});

describe('implementation resolves inside the model folder', () => {
  test(`"..tmp.<folder>.evil.Evil" (the issue's form) is refused before anything is imported`, async () => {
    const implementation = `..tmp.${path.basename(outside)}.evil.Evil`;
    const settings = await model('dots', { implementation });
    const error = await failure(loader().create(settings));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(
      `model 'dots': implementation '${implementation}' resolves outside the model folder ${path.join(repo, 'dots')} (setting model_files_scope is "model_folder"; "repository" allows the whole model repository, "any" allows any path)`,
    );
    expect(existsSync(path.join(outside, 'imported'))).toBe(false);
  });

  test('".." segments and absolute paths are refused', async () => {
    for (const implementation of [
      `../../${path.basename(outside)}/evil.Evil`,
      `sub/../../../${path.basename(outside)}/evil.Evil`,
      `${outside}/evil.Evil`,
    ]) {
      const error = await failure(loader().create(await model('escape', { implementation })));
      expect(error.message).toContain('resolves outside the model folder');
    }
    expect(existsSync(path.join(outside, 'imported'))).toBe(false);
  });

  test('a symbolic link inside the folder is followed wherever it points (as model-repository/text-model does)', async () => {
    const settings = await model('linked', { implementation: 'runtime.Ok' });
    await symlink(path.join(outside, 'ok.ts'), path.join(settings.folder, 'runtime.ts'));
    const runtime = await loader().create(settings);
    expect(runtime.constructor.name).toBe('Ok');
  });

  test('model_files_scope "repository" opens sibling folders, "any" opens every path', async () => {
    await model('shared', { implementation: 'ok.Ok' }, { 'ok.ts': OK });
    const sibling = await model('sibling', { implementation: '../shared/ok.Ok' });
    await expect(loader().create(sibling)).rejects.toThrow('resolves outside the model folder');
    const repository = loader({ scope: 'repository', repositoryRoot: repo });
    expect((await repository.create(sibling)).constructor.name).toBe('Ok');
    const far = await model('far', { implementation: `${outside}/ok.Ok` });
    await expect(repository.create(far)).rejects.toThrow(
      `resolves outside the model repository ${repo} (setting model_files_scope is "repository"; "any" allows any path)`,
    );
    expect((await loader({ scope: 'any' }).create(far)).constructor.name).toBe('Ok');
  });
});

describe('parameters.uri stays inside the model folder', () => {
  test.each([['/etc/passwd'], ['../../../../../../etc/passwd'], ['file:///etc/passwd']])(
    '%s is refused before the runtime sees it',
    async (uri) => {
      const settings = await model(
        'reader',
        { implementation: 'reader.Reader', parameters: { uri } },
        {
          'reader.ts': READER,
        },
      );
      const error = await failure(loader().create(settings));
      expect(error.message).toBe(
        `model 'reader': parameters.uri '${uri}' resolves outside the model folder ${settings.folder} (setting model_files_scope is "model_folder"; "repository" allows the whole model repository, "any" allows any path)`,
      );
    },
  );

  test('the built-in ONNX runtime is held to it too; a uri with a scheme is no local path', async () => {
    const onnx = new RuntimeLoader((url) => import(url));
    onnx.register('onnx', async () => (await import('../../runtimes/onnx/index.js')).OnnxModel);
    const settings = await model('weights', { implementation: 'onnx', parameters: { uri: '/etc/passwd' } });
    await expect(onnx.create(settings)).rejects.toThrow("parameters.uri '/etc/passwd' resolves outside");
    const remote = await model(
      'remote',
      { implementation: 'reader.Reader', parameters: { uri: 's3://b/m' } },
      {
        'reader.ts': READER,
      },
    );
    expect((await loader().create(remote)).uri).toBe('s3://b/m');
  });

  test('a relative uri inside the folder, or an absolute one naming it, is fine', async () => {
    const settings = await model(
      'inside',
      { implementation: 'reader.Reader', parameters: { uri: 'w/../w.json' } },
      {
        'reader.ts': READER,
      },
    );
    expect((await loader().create(settings)).uri).toBe(path.join(settings.folder, 'w.json'));
    const absolute = { ...settings, parameters: { ...settings.parameters, uri: settings.folder } };
    expect((await loader().create(absolute)).uri).toBe(settings.folder);
  });
});

test('through the CLI: the escaping models are UNAVAILABLE with a reason that quotes no file; nothing ran', async () => {
  const cliRepo = await mkdtemp(path.join(tmpdir(), 'mlserverCli'));
  const write = async (
    name: string,
    settings: Record<string, unknown>,
    files: Record<string, string> = {},
  ) => {
    await mkdir(path.join(cliRepo, name));
    await writeFile(path.join(cliRepo, name, 'model-settings.json'), JSON.stringify({ name, ...settings }));
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(cliRepo, name, file), text);
  };
  await write('evil', { implementation: `..tmp.${path.basename(outside)}.evil.Evil` });
  await write(
    'passwd',
    { implementation: 'reader.Reader', parameters: { uri: '/etc/passwd' } },
    { 'reader.ts': READER },
  );
  await write('fine', { implementation: 'ok.Ok' }, { 'ok.ts': OK });
  await write('text', { implementation: 'text_model.TextModel' });
  await symlink(
    path.join(ROOT, 'examples/text-model/text_model.ts'),
    path.join(cliRepo, 'text', 'text_model.ts'),
  );
  const server = await startCliServer(cliRepo, { models: ['fine', 'text'] });
  try {
    await server.cli.waitForLine(/model passwd: UNAVAILABLE/);
    const index = await postJson(`${server.http}/v2/repository/index`, {});
    const reasons = Object.fromEntries(
      (index.body as { name: string; reason: string }[]).map((m) => [m.name, m.reason]),
    );
    expect(reasons.evil).toMatch(
      /^model 'evil': implementation '\.\.tmp\..*' resolves outside the model folder/,
    );
    expect(reasons.passwd).toMatch(
      /^model 'passwd': parameters.uri '\/etc\/passwd' resolves outside the model folder/,
    );
    const passwd = await readFile('/etc/passwd', 'utf8');
    const firstLine = passwd.split('\n')[0]!;
    expect(JSON.stringify(index.body)).not.toContain(firstLine.slice(0, 8));
    expect(JSON.stringify(index.body)).not.toMatch(/\\n\s+at /);
    expect(existsSync(path.join(outside, 'imported'))).toBe(false);
    const ok = await postJson(`${server.http}/v2/models/fine/infer`, { inputs: [] });
    expect(ok.status).toBe(200);
  } finally {
    await server.stop();
    await rm(cliRepo, { recursive: true, force: true });
  }
});
