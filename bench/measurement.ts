import type { LatencySummary } from './stats.js';

/**
 * Which process a figure was measured against: this build of the server, the bare baseline
 * (`node:http`, grpc-js), the express baseline (express 5 with a trivial handler: what any
 * express route costs), or the other build of the server given by `--compare <cli>`.
 */
export type Side = 'server' | 'baseline' | 'express' | 'compare';

/** One figure set: one scenario, one side, one concurrency. */
export interface Measurement {
  /** Stable key of the scenario, e.g. `rest-infer`; server and baseline share it. */
  id: string;
  /** What a reader sees in the table. */
  label: string;
  side: Side;
  /** Concurrent clients (connections, streams, or calls in flight). */
  concurrency: number;
  /** The headline figure, in `unit` (req/s, streams/s, msg/s, MB/s, KB/stream). */
  value: number;
  unit: string;
  /** Whether a higher `value` is better (false for memory per stream). */
  higherIsBetter: boolean;
  /** Completed operations. */
  count: number;
  /** Failed operations (non-2xx, transport errors, wrong answers). */
  errors: number;
  /** Per-operation latency, milliseconds. */
  latency?: LatencySummary;
  /** Scenario-specific figures, e.g. `eventsPerSecond`, `firstEventP50Ms`, `openMs`. */
  extra?: Record<string, number>;
  /** Set instead of figures when the scenario could not run, saying why. */
  unavailable?: string;
}

/** A target from the issue, shown next to the figures (reported, never enforced). */
export interface Target {
  /** Text for the table, e.g. `≥0.6× baseline`. */
  text: string;
  /** server / baseline should be at least this. */
  minRatio?: number;
  /** server / express baseline should be at least this. */
  minExpressRatio?: number;
  /** The server's value should be at most this (for lower-is-better figures). */
  maxValue?: number;
}

/** Builds a measurement that could not be taken. */
export function unavailable(
  base: Pick<Measurement, 'id' | 'label' | 'side' | 'concurrency' | 'unit'>,
  why: string,
): Measurement {
  return { ...base, value: Number.NaN, higherIsBetter: true, count: 0, errors: 0, unavailable: why };
}
