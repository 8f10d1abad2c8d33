import type { ModelFilesPolicy } from '../model-files.js';
import type { ModelSettings } from '../settings/model-settings.js';

/** What a worker thread is started with (`workerData`): enough to load the model as the CLI does. */
export interface WorkerInit {
  /** The model's settings, as the server validated them. */
  settings: ModelSettings;
  /** Where the runtime's files may be (`model_files_scope`). */
  policy: ModelFilesPolicy;
  /** This worker's number among the model's workers (1-based), for logs. */
  index: number;
  /** How many workers the model runs in: the runtime sees it as `settings.parallel_workers`. */
  count: number;
}
