import type { CallObserver } from '../call.js';
import type { ModelSlot } from '../model-slot.js';
import type { ServerSettings } from '../settings/server-settings.js';
import { BatchLayout } from './batch-layout.js';
import { ExecutionStage } from './execution-stage.js';

/**
 * The execution stage of a loaded model version, from its settings (`max_batch_size`,
 * `max_batch_time` in seconds, `max_queue_size`, the state's batch axes) and what its runtime
 * offers (`capabilities.concurrency`: a worker-backed runtime runs that many calls at once).
 */
export function stageForSlot(
  slot: ModelSlot,
  settings: Pick<ServerSettings, 'max_queue_size'>,
  observer: CallObserver | undefined,
): ExecutionStage {
  const model = slot.model;
  if (!model) throw new Error(`model '${slot.name}' has no runtime to run`);
  const ref = { name: slot.name, version: slot.version };
  return new ExecutionStage(model, {
    model: slot.name,
    maxQueue: slot.settings.max_queue_size ?? settings.max_queue_size,
    maxBatchSize: slot.settings.max_batch_size,
    maxBatchTimeMs: slot.settings.max_batch_time * 1000,
    concurrency: slot.capabilities.concurrency ?? Number.POSITIVE_INFINITY,
    layout: BatchLayout.fromState(slot.sessionSpec.state),
    onBatch: observer?.onBatch ? (size) => observer.onBatch?.(ref, size) : undefined,
  });
}
