import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile } from './settings/load-settings.js';
import { type ModelSettings, modelSettingsValidator } from './settings/model-settings.js';
import { MODEL_ENV_SOURCE, modelSettingsFromEnv } from './settings/model-settings-env.js';
import { SettingsError } from './settings/settings-error.js';

/** The file name that marks a model folder. */
export const MODEL_SETTINGS_FILE = 'model-settings.json';

/** What a repository scan found: valid model settings, and the files that failed validation. */
export interface ScanResult {
  models: ModelSettings[];
  invalid: { file: string; name: string; error: SettingsError }[];
}

/**
 * The file-system model repository: every `model-settings.json` below a root folder, never
 * descending into `node_modules` or hidden folders. When no valid one is found, the single model
 * described by `MLSERVER_MODEL_*` environment variables, as MLServer does (how KServe runs it).
 */
export class ModelRepository {
  constructor(
    readonly root: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Finds and validates every model's settings. One bad file does not hide the others. */
  async scan(): Promise<ScanResult> {
    const files = await findModelSettingsFiles(this.root);
    const result: ScanResult = { models: [], invalid: [] };
    await Promise.all(
      files.map(async (file) => {
        try {
          result.models.push(await readModelSettings(file));
        } catch (err) {
          if (!(err instanceof SettingsError)) throw err;
          result.invalid.push({ file, name: path.basename(path.dirname(file)), error: err });
        }
      }),
    );
    result.models.sort((a, b) => a.source.localeCompare(b.source));
    if (result.models.length === 0) await this.addEnvironmentModel(result);
    return result;
  }

  private async addEnvironmentModel(result: ScanResult): Promise<void> {
    const model = await modelSettingsFromEnv(this.env, this.root);
    if (!model) return;
    if ('settings' in model) result.models.push(model.settings);
    else result.invalid.push({ file: MODEL_ENV_SOURCE, name: model.name, error: model.error });
  }

  /** The settings of every version of one model, read afresh from disk. */
  async find(name: string): Promise<ModelSettings[]> {
    const { models, invalid } = await this.scan();
    const bad = invalid.find((entry) => entry.name === name);
    const found = models.filter((m) => m.name === name);
    if (found.length === 0 && bad) throw bad.error;
    return found;
  }
}

/** Reads one `model-settings.json`; `name` defaults to the folder's name. */
export async function readModelSettings(file: string): Promise<ModelSettings> {
  const folder = path.dirname(file);
  const json = (await readJsonFile(file)) ?? {};
  return modelSettingsValidator.validate(
    { name: path.basename(folder), ...json, folder, source: file },
    file,
  );
}

async function findModelSettingsFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === root)
        throw new SettingsError(root, [`cannot read model repository: ${(err as Error).message}`]);
      return;
    }
    const subfolders: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.isFile() && entry.name === MODEL_SETTINGS_FILE) found.push(path.join(dir, entry.name));
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') {
        subfolders.push(walk(path.join(dir, entry.name)));
      }
    }
    await Promise.all(subfolders);
  };
  await walk(root);
  return found;
}
