import { availableParallelism } from 'node:os';

/** One worker per two cores (at least one), so a few models can share a small machine. */
export function defaultWorkers(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/**
 * Where an ONNX model runs, from its `parameters.extra` (read by the server before the runtime is
 * loaded, so it imports nothing heavy): `workers` when it is a valid count (an invalid one is left
 * to the runtime's own validation, which fails the load naming it), else one worker per two cores;
 * `max_queue` requests may wait for a free worker.
 */
export function onnxPlacement(extra: Record<string, unknown>): {
  workers?: number;
  defaultWorkers: number;
  maxQueue: number;
} {
  const { workers, max_queue } = extra;
  const valid = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  return {
    ...(valid(workers, 0, 64) ? { workers } : {}),
    defaultWorkers: defaultWorkers(),
    maxQueue: valid(max_queue, 1) ? max_queue : 256,
  };
}
