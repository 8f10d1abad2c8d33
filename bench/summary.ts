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
  /** The express baseline, when the scenario measures it (REST and SSE). */
  express?: Measurement;
  /** The `--compare` build, when the run had one and the scenario measures it. */
  compare?: Measurement;
  /** server / baseline of the headline value, when both were measured. */
  ratio?: number;
  /** server / compare of the headline value (this build against the other), when both were measured. */
  compareRatio?: number;
  /** compare / baseline: where the other build stood against the same baseline. */
  compareBaselineRatio?: number;
  /** server / express baseline. */
  expressRatio?: number;
  /** compare / express baseline. */
  compareExpressRatio?: number;
  target?: Target;
  /** Whether the target is met; undefined when there is no target or no figure to judge. */
  meetsTarget?: boolean;
}

/**
 * Pairs server and baseline measurements by scenario and concurrency, in first-seen order,
 * computes their ratios and judges the target: `targets["<id>@<concurrency>"]`, else
 * `targets["<id>"]`.
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
      const target = targets[`${m.id}@${m.concurrency}`] ?? targets[m.id];
      row = { id: m.id, label: m.label, concurrency: m.concurrency, unit: m.unit, target };
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
    if (row.express) {
      row.expressRatio = ratio(figure(row.server), figure(row.express));
      if (row.compare) row.compareExpressRatio = ratio(figure(row.compare), figure(row.express));
    }
    row.meetsTarget = judge(row);
  }
  return [...rows.values()];
}

/** The headline value of a measurement that was taken. */
function figure(m: Measurement | undefined): number | undefined {
  return m && !m.unavailable ? m.value : undefined;
}

/** Every condition the target sets must hold; undefined when one cannot be judged (no figure). */
function judge(row: Row): boolean | undefined {
  const { target } = row;
  if (!target) return undefined;
  const checks: (boolean | undefined)[] = [];
  if (target.minRatio !== undefined)
    checks.push(row.ratio === undefined ? undefined : row.ratio >= target.minRatio);
  if (target.minExpressRatio !== undefined)
    checks.push(row.expressRatio === undefined ? undefined : row.expressRatio >= target.minExpressRatio);
  if (target.maxValue !== undefined) {
    const value = figure(row.server);
    checks.push(value === undefined ? undefined : value <= target.maxValue);
  }
  if (checks.length === 0 || checks.includes(undefined)) return undefined;
  return checks.every(Boolean);
}
