import type { MLModel } from '../model.js';
import { checkModelUri, type ModelFilesPolicy } from '../model-files.js';
import { type ModuleImporter, RuntimeLoader } from '../runtime-loader.js';
import type { ModelSettings } from '../settings/model-settings.js';
import { type PlacementRule, placeModel } from './placement.js';
import type { PoolLogger } from './worker-pool.js';
import { WorkerModel } from './worker-model.js';

/** What the loader needs to run models in workers. */
export interface WorkerLoaderOptions {
  /** The server's `parallel_workers`. */
  parallelWorkers: number;
  /** `parallel_workers_timeout`, in milliseconds: when to log a worker still unloading. */
  unloadWarnMs: number;
  logger: PoolLogger;
  /** Placement rules of built-in runtimes, by short name. */
  placement: Readonly<Record<string, PlacementRule>>;
  /** The worker program (tests pass stand-ins). */
  script?: URL;
}

/**
 * The runtime loader the server uses: a model placed in the server thread is created as
 * `RuntimeLoader` creates it; a model placed in workers (see `placeModel`) becomes a
 * `WorkerModel`, whose workers each load the runtime with a `RuntimeLoader` of their own, so the
 * server thread never imports that runtime's code.
 */
export class WorkerRuntimeLoader extends RuntimeLoader {
  constructor(
    importModule: ModuleImporter,
    private readonly filesPolicy: ModelFilesPolicy,
    private readonly options: WorkerLoaderOptions,
  ) {
    super(importModule, filesPolicy);
  }

  override async create(settings: ModelSettings): Promise<MLModel> {
    const rule = this.options.placement[settings.implementation];
    const { workers, maxQueue } = placeModel(
      settings,
      this.options.parallelWorkers,
      rule ? await rule(settings) : {},
    );
    if (workers === 0) return super.create(settings);
    checkModelUri(settings, this.filesPolicy);
    return new WorkerModel(settings, {
      workers,
      maxWaiting: maxQueue,
      policy: this.filesPolicy,
      logger: this.options.logger,
      unloadWarnMs: this.options.unloadWarnMs,
      script: this.options.script,
    });
  }
}
