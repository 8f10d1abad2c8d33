import type { InferenceObserver, InferenceTiming, ModelRef } from './dataplane.js';
import { ModelNotReadyError } from './errors.js';
import type { ModelSlot } from './model-slot.js';
import type { ModelRegistry } from './registry.js';

/** A count and the total time it took, in nanoseconds (Triton's `$duration_stat`). */
export interface DurationStat {
  count: number;
  ns: number;
}

/** The durations of one execution's stages (Triton's `$batch_stats`). */
export interface BatchStat {
  batch_size: number;
  compute_input: DurationStat;
  compute_infer: DurationStat;
  compute_output: DurationStat;
}

/** One model version's statistics, in the shape of Triton's `$model_stat` (statistics extension). */
export interface ModelStat {
  name: string;
  /** Absent for an unversioned model. */
  version?: string;
  /** Milliseconds since the epoch; 0 before the first inference. */
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: DurationStat;
    fail: DurationStat;
    queue: DurationStat;
    compute_input: DurationStat;
    compute_infer: DurationStat;
    compute_output: DurationStat;
    cache_hit: DurationStat;
    cache_miss: DurationStat;
  };
  response_stats: Record<string, never>;
  batch_stats: BatchStat[];
  memory_usage: never[];
}

/** `GET /v2/models[/{m}[/versions/{v}]]/stats`. */
export interface StatisticsReport {
  model_stats: ModelStat[];
}

interface Counters {
  lastInference: number;
  success: DurationStat;
  fail: DurationStat;
  queue: DurationStat;
  input: DurationStat;
  infer: DurationStat;
  output: DurationStat;
}

const zero = (): DurationStat => ({ count: 0, ns: 0 });
const copy = (stat: DurationStat): DurationStat => ({ ...stat });

function add(stat: DurationStat, from: number, to: number): void {
  stat.count++;
  stat.ns += Math.max(0, Math.round((to - from) * 1e6));
}

/**
 * Per-model-version inference statistics in Triton's shape, counted from the data plane's
 * observer hook. A call is one execution of batch size 1 (mlserver-ts does not batch); a stream
 * counts once, its whole duration as `compute_infer`. `queue` is the time until the model was
 * leased, `compute_input` the request's validation, `compute_output` the response's completion.
 * Counters live with the model version's slot: only loaded versions have any (unknown model names
 * never create entries), a reload starts from zero (as Triton's do), an unloaded version's go.
 */
export class InferenceStatistics implements Pick<InferenceObserver, 'onInferenceTimed'> {
  private readonly counters = new WeakMap<ModelSlot, Counters>();

  constructor(private readonly registry: ModelRegistry) {}

  /** Counts one call that reached a model version. */
  onInferenceTimed(timing: InferenceTiming): void {
    const counters = this.countersOf(timing.slot, true)!;
    counters.lastInference = Date.now();
    if (timing.error) {
      add(counters.fail, timing.start, timing.end);
      return;
    }
    const { start, leased, prepared = leased, computed = prepared, end } = timing;
    add(counters.success, start, end);
    add(counters.queue, start, leased);
    add(counters.input, leased, prepared);
    add(counters.infer, prepared, computed);
    add(counters.output, computed, end);
  }

  /**
   * Statistics of every ready model version, of every ready version of one model, or of one
   * version. An unknown model or version is `NotFoundError`; a known model without a ready
   * version is `ModelNotReadyError`.
   */
  report(ref?: Partial<ModelRef>): StatisticsReport {
    let slots = this.registry.slots().filter((slot) => slot.state === 'READY');
    if (ref?.name) {
      const named = this.registry.get(ref.name, ref.version || undefined);
      slots = ref.version
        ? [named].filter((slot) => slot.state === 'READY')
        : slots.filter((s) => s.name === ref.name);
      if (slots.length === 0) {
        throw new ModelNotReadyError(`Request for unknown model: '${ref.name}' has no available versions`);
      }
    }
    const sorted = slots.sort(
      (a, b) =>
        a.name.localeCompare(b.name) ||
        (a.version ?? '').localeCompare(b.version ?? '', undefined, { numeric: true }),
    );
    return { model_stats: sorted.map((slot) => this.stat(slot)) };
  }

  private stat(slot: ModelSlot): ModelStat {
    const c = this.countersOf(slot, false);
    const executions = c?.success.count ?? 0;
    const stage = (pick: (c: Counters) => DurationStat) => (c ? copy(pick(c)) : zero());
    return {
      name: slot.name,
      ...(slot.version ? { version: slot.version } : {}),
      last_inference: c?.lastInference ?? 0,
      inference_count: executions,
      execution_count: executions,
      inference_stats: {
        success: stage((x) => x.success),
        fail: stage((x) => x.fail),
        queue: stage((x) => x.queue),
        compute_input: stage((x) => x.input),
        compute_infer: stage((x) => x.infer),
        compute_output: stage((x) => x.output),
        cache_hit: zero(),
        cache_miss: zero(),
      },
      response_stats: {},
      batch_stats:
        executions === 0
          ? []
          : [
              {
                batch_size: 1,
                compute_input: stage((x) => x.input),
                compute_infer: stage((x) => x.infer),
                compute_output: stage((x) => x.output),
              },
            ],
      memory_usage: [],
    };
  }

  private countersOf(slot: ModelSlot, create: boolean): Counters | undefined {
    let counters = this.counters.get(slot);
    if (!counters && create) {
      counters = {
        lastInference: 0,
        success: zero(),
        fail: zero(),
        queue: zero(),
        input: zero(),
        infer: zero(),
        output: zero(),
      };
      this.counters.set(slot, counters);
    }
    return counters;
  }
}
