import { ModelLoadError, NotFoundError } from './errors.js';
import type { ModelRegistry, ModelVersionStatus } from './registry.js';
import type { ModelRepository } from './repository.js';
import { SettingsError } from './settings/settings-error.js';

/**
 * The model repository API, transport-agnostic: list what the repository holds, load (or
 * reload) a model from disk, unload it.
 */
export class RepositoryHandlers {
  constructor(
    private readonly repository: ModelRepository,
    private readonly registry: ModelRegistry,
  ) {}

  /** Every model version: the registry's, plus models on disk that are not loaded. */
  async index(options: { readyOnly?: boolean } = {}): Promise<ModelVersionStatus[]> {
    const known = this.registry.list();
    const { models, invalid } = await this.repository.scan();
    const seen = new Set(known.map((m) => `${m.name}\u0000${m.version}`));
    for (const settings of models) {
      const version = settings.parameters.version ?? '';
      if (!seen.has(`${settings.name}\u0000${version}`)) {
        known.push({ name: settings.name, version, state: 'UNAVAILABLE', reason: 'not loaded' });
      }
    }
    for (const bad of invalid) {
      if (!known.some((m) => m.name === bad.name)) {
        known.push({ name: bad.name, version: '', state: 'UNAVAILABLE', reason: bad.error.message });
      }
    }
    known.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
    return options.readyOnly ? known.filter((m) => m.state === 'READY') : known;
  }

  /** Loads a model (every version on disk) or reloads it; fails with the reason if any version fails. */
  async load(name: string): Promise<void> {
    const versions = await this.repository.find(name).catch((err: unknown) => {
      if (err instanceof SettingsError)
        throw new ModelLoadError(`model '${name}' failed to load: ${err.message}`);
      throw err;
    });
    if (versions.length === 0) throw new NotFoundError(`model '${name}' not found in the repository`);
    const slots = await Promise.all(versions.map((settings) => this.registry.load(settings)));
    const failed = slots.filter((slot) => slot.state !== 'READY');
    if (failed.length > 0) {
      throw new ModelLoadError(`model '${name}' failed to load: ${failed.map((s) => s.reason).join('; ')}`);
    }
  }

  /** Unloads every version of a model. */
  async unload(name: string): Promise<void> {
    await this.registry.unload(name);
  }
}
