import { ModelLoadError, ModelNotReadyError, NotFoundError, type UnavailableError } from './errors.js';
import { InputContract } from './input-contract.js';
import { compileSessionSpec } from './session-spec.js';
import type { Logger } from './logger.js';
import { loadedCopies, type MLModel, modelCapabilities } from './model.js';
import { ModelSlot } from './model-slot.js';
import type { ModelState } from './model-state.js';
import type { RuntimeLoader } from './runtime-loader.js';
import type { ModelSettings } from './settings/model-settings.js';

/** A model version as the repository index lists it. */
export interface ModelVersionStatus {
  name: string;
  version: string;
  state: ModelState;
  reason: string;
}

/** A ready model, held for the duration of one request. */
export interface ModelLease {
  model: MLModel;
  slot: ModelSlot;
  release: () => void;
}

const UNVERSIONED = '';

/**
 * Every model the server knows, by name and version, with its lifecycle. Models are registered
 * before they finish loading, so readiness is visible while they load; a reload loads the new
 * instance before the old one is unloaded; a failing model never affects the others.
 */
export class ModelRegistry {
  private readonly models = new Map<string, Map<string, ModelSlot>>();

  constructor(
    private readonly loader: RuntimeLoader,
    private readonly logger: Logger,
    private readonly drainTimeoutMs: number,
    /** How long a runtime's `load()` may take before the model is UNAVAILABLE (setting model_load_timeout). */
    private readonly loadTimeoutMs = 180_000,
  ) {}

  /** Loads (or reloads) one model version. Resolves with its slot; a failed load leaves it UNAVAILABLE. */
  async load(settings: ModelSettings): Promise<ModelSlot> {
    const key = settings.parameters.version ?? UNVERSIONED;
    const versions = this.versionsOf(settings.name, true);
    const previous = versions.get(key);
    const slot = new ModelSlot(settings);
    if (previous?.state !== 'READY') versions.set(key, slot);
    const label = describe(settings.name, key);
    this.logger.info(`loading model ${label} (${settings.implementation})`);
    try {
      const model = await this.loader.create(settings);
      await loadWithin(model, this.loadTimeoutMs, (late) => this.releaseLate(label, late));
      const metadata = await model.metadata();
      model.ready = true;
      slot.model = model;
      slot.capabilities = modelCapabilities(model);
      slot.contract =
        settings.strict_inputs && !slot.capabilities.checksInputs
          ? new InputContract(settings.name, metadata.inputs)
          : InputContract.open;
      slot.declaredOutputs = new Map(metadata.outputs.map((tensor) => [tensor.name, tensor]));
      slot.sessionSpec = compileSessionSpec(
        settings.name,
        settings.session,
        metadata,
        slot.capabilities.nativeStream,
      );
      slot.state = 'READY';
    } catch (err) {
      slot.state = 'UNAVAILABLE';
      slot.reason = err instanceof Error ? err.message : String(err);
      this.logger.error(`model ${label} failed to load: ${slot.reason}`, err);
      if (previous?.state === 'READY') {
        throw new ModelLoadError(
          `reloading model ${label} failed; the previous instance keeps serving: ${slot.reason}`,
          {
            cause: err,
          },
        );
      }
      return slot;
    }
    versions.set(key, slot);
    this.logger.info(`model ${label} is ready`);
    this.warnOfCopies();
    if (previous && previous !== slot) await this.retire(previous);
    return slot;
  }

  /**
   * Records a model whose settings file is invalid: it is listed UNAVAILABLE with the
   * validation errors as its reason (and keeps readiness false), but never loaded.
   */
  registerInvalid(settings: ModelSettings, reason: string): ModelSlot {
    const slot = new ModelSlot(settings);
    slot.state = 'UNAVAILABLE';
    slot.reason = reason;
    slot.invalid = true;
    const versions = this.versionsOf(settings.name, true);
    if (!versions.has(UNVERSIONED)) versions.set(UNVERSIONED, slot);
    return slot;
  }

  /**
   * Takes a model out of service after its runtime failed in a way that leaves it unsafe to use
   * (an uncaught exception from its code): it is listed UNAVAILABLE with the reason, in-flight
   * requests get the grace period, then it is unloaded. Loading it again brings it back.
   */
  async fail(slot: ModelSlot, reason: string): Promise<void> {
    if (slot.state !== 'READY') return;
    const label = describe(slot.name, slot.version ?? UNVERSIONED);
    this.logger.error(`model ${label} is out of service: ${reason}`);
    slot.reason = reason;
    await this.retire(slot);
    slot.reason = reason;
  }

  /** Unloads every version of a model (or one version) and forgets it. */
  async unload(name: string, version?: string, drainMs = this.drainTimeoutMs): Promise<void> {
    const versions = this.models.get(name);
    if (!versions || versions.size === 0) throw new NotFoundError(`model '${name}' is not loaded`);
    const keys = version === undefined ? [...versions.keys()] : [version];
    for (const key of keys) {
      const slot = versions.get(key);
      if (!slot) throw new NotFoundError(`model ${describe(name, key)} is not loaded`);
      versions.delete(key);
      await this.retire(slot, drainMs);
    }
    if (versions.size === 0) this.models.delete(name);
  }

  /** Unloads everything (shutdown), waiting at most `drainMs` for requests still using a model. */
  async unloadAll(drainMs = this.drainTimeoutMs): Promise<void> {
    const names = [...this.models.keys()];
    await Promise.all(names.map((name) => this.unload(name, undefined, drainMs).catch(() => undefined)));
  }

  /**
   * The slot for a model version; without a version, the default one. Unknown names and versions
   * fail with Triton's message, which Triton's clients and example programs check.
   */
  get(name: string, version?: string): ModelSlot {
    const versions = this.models.get(name);
    if (!versions || versions.size === 0)
      throw new NotFoundError(`Request for unknown model: '${name}' is not found`);
    if (version !== undefined && version !== '') {
      const slot = versions.get(version);
      if (!slot)
        throw new NotFoundError(`Request for unknown model: '${name}' version ${version} is not found`);
      return slot;
    }
    return defaultVersion(versions);
  }

  /**
   * A ready model for one request; release it when the request ends. `abort` stops the request
   * if the model is unloaded while it runs past the grace period.
   */
  lease(name: string, version: string | undefined, abort?: (reason: UnavailableError) => void): ModelLease {
    const slot = this.get(name, version);
    if (slot.state !== 'READY' || !slot.model) {
      const label = describe(name, slot.version ?? UNVERSIONED);
      const why =
        slot.state === 'UNAVAILABLE' ? `failed to load: ${slot.reason}` : `is ${slot.state.toLowerCase()}`;
      throw new ModelNotReadyError(`model ${label} is not ready: it ${why}`);
    }
    return { model: slot.model, slot, release: slot.acquire(abort) };
  }

  /** Every known model version with its state, sorted by name and version. */
  list(): ModelVersionStatus[] {
    const all: ModelVersionStatus[] = [];
    for (const [name, versions] of this.models) {
      for (const [version, slot] of versions) {
        // A runtime recovering (no live worker) is listed UNAVAILABLE with why, as readiness says.
        const [state, reason] = slot.outOfService
          ? ['UNAVAILABLE' as const, slot.outOfServiceReason]
          : [slot.state, slot.reason];
        all.push({ name, version, state, reason });
      }
    }
    return all.sort(
      (a, b) =>
        a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }),
    );
  }

  /** Every slot (for readiness and shutdown). */
  slots(): ModelSlot[] {
    return [...this.models.values()].flatMap((versions) => [...versions.values()]);
  }

  private versionsOf(name: string, create: boolean): Map<string, ModelSlot> {
    let versions = this.models.get(name);
    if (!versions) {
      versions = new Map();
      if (create) this.models.set(name, versions);
    }
    return versions;
  }

  private copiesReported = 1;

  /** Says so once when a runtime brought its own copy of mlserver-ts (its classes are not the server's). */
  private warnOfCopies(): void {
    const copies = loadedCopies();
    if (copies.length <= this.copiesReported) return;
    this.copiesReported = copies.length;
    this.logger.warn(
      `${copies.length} copies of mlserver-ts are loaded (${copies.join(', ')}); runtimes should import the server's own`,
    );
  }

  /** A load that finished after its timeout: the instance is released, never served. */
  private releaseLate(label: string, model: MLModel): void {
    this.logger.warn(`model ${label} finished loading after its timeout; unloading that instance`);
    model.unload().catch((err: unknown) => this.logger.error(`model ${label} failed to unload`, err));
  }

  /** Drains a slot and unloads its runtime (once: the slot lets go of the instance). */
  private async retire(slot: ModelSlot, drainMs = this.drainTimeoutMs): Promise<void> {
    const label = describe(slot.name, slot.version ?? UNVERSIONED);
    const model = slot.model;
    if (slot.state === 'READY') slot.state = 'UNLOADING';
    slot.model = undefined;
    await slot.drain(drainMs);
    if (model) {
      try {
        model.ready = false;
        await model.unload();
        this.logger.info(`model ${label} unloaded`);
      } catch (err) {
        this.logger.error(`model ${label} failed to unload cleanly`, err);
      }
    }
    slot.state = 'UNAVAILABLE';
    if (!slot.invalid) slot.reason = 'unloaded';
  }
}

/**
 * Runs a runtime's `load()`, failing with a clear reason when it takes longer than `timeoutMs`.
 * A load that finishes afterwards is handed to `onLate` so its resources are released.
 */
async function loadWithin(
  model: MLModel,
  timeoutMs: number,
  onLate: (model: MLModel) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const loading = model.load();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(
        new ModelLoadError(`load() did not finish within ${timeoutMs / 1000} s (setting model_load_timeout)`),
      );
    }, timeoutMs);
  });
  loading.then(
    () => {
      if (timedOut) onLate(model);
    },
    () => undefined,
  );
  try {
    await Promise.race([loading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** MLServer's rule: the unversioned model, else the highest version. */
function defaultVersion(versions: Map<string, ModelSlot>): ModelSlot {
  const unversioned = versions.get(UNVERSIONED);
  if (unversioned) return unversioned;
  const highest = [...versions.keys()].sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0]!;
  return versions.get(highest)!;
}

function describe(name: string, version: string): string {
  return version === UNVERSIONED ? `'${name}'` : `'${name}' version '${version}'`;
}
