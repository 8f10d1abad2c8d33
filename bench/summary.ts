import type { Measurement, Target } from './measurement.js';
import { ratio } from './stats.js';

/** One table row: a scenario at one concurrency, the server beside its baseline. */
export interface Row {
  id: string;
  label: string;
  concurrency: number;
  unit: string;
  server?: Measurement;
  baseline?: Measurement;
  /** The `--compare` build, when the run had one and the scenario measures it. */
  compare?: Measurement;
  /** server / baseline of the headline value, when both were measured. */
  ratio?: number;
  /** server / compare of the headline value (this build against the other), when both were measured. */
  compareRatio?: number;
  /** compare / baseline: where the other build stood against the same baseline. */
  compareBaselineRatio?: number;
  target?: Target;
  /** Whether the target is met; undefined when there is no target or no figure to judge. */
  meetsTarget?: boolean;
}

/**
 * Pairs server and baseline measurements by scenario and concurrency, in first-seen order,
 * computes their ratio and judges the target (if `targets` has one for the scenario id).
 */
export function summarise(
  measurements: readonly Measurement[],
  targets: Readonly<Record<string, Target>>,
): Row[] {
  const rows = new Map<string, Row>();
  for (const m of measurements) {
    const key = `${m.id}@${m.concurrency}`;
    let row = rows.get(key);
    if (!row) {
      row = { id: m.id, label: m.label, concurrency: m.concurrency, unit: m.unit, target: targets[m.id] };
      rows.set(key, row);
    }
    row[m.side] = m;
  }
  for (const row of rows.values()) {
    row.ratio = ratio(figure(row.server), figure(row.baseline));
    if (row.compare) {
      row.compareRatio = ratio(figure(row.server), figure(row.compare));
      row.compareBaselineRatio = ratio(figure(row.compare), figure(row.baseline));
    }
    row.meetsTarget = judge(row);
  }
  return [...rows.values()];
}

/** The headline value of a measurement that was taken. */
function figure(m: Measurement | undefined): number | undefined {
  return m && !m.unavailable ? m.value : undefined;
}

function judge(row: Row): boolean | undefined {
  const { target } = row;
  if (!target) return undefined;
  if (target.minRatio !== undefined)
    return row.ratio === undefined ? undefined : row.ratio >= target.minRatio;
  const value = figure(row.server);
  if (target.maxValue !== undefined) return value === undefined ? undefined : value <= target.maxValue;
  return undefined;
}
