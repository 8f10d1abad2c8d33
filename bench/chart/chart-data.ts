import type { Row } from '../summary.js';

/** One bar of the ratio chart. */
export interface RatioPoint {
  scenario: string;
  concurrency: string;
  ratio: number;
  target?: number;
}

/** One bar of the throughput chart. */
export interface ThroughputPoint {
  scenario: string;
  concurrency: string;
  side: 'server' | 'baseline';
  value: number;
  unit: string;
}

/** Rows that have a server / baseline ratio, as chart points (with the target ratio, if any). */
export function ratioPoints(rows: readonly Row[]): RatioPoint[] {
  return rows
    .filter((row) => row.ratio !== undefined)
    .map((row) => ({
      scenario: row.label,
      concurrency: `${row.concurrency} client${row.concurrency === 1 ? '' : 's'}`,
      ratio: row.ratio!,
      ...(row.target?.minRatio !== undefined ? { target: row.target.minRatio } : {}),
    }));
}

/** Server and baseline headline values of rows measured per second (not MB/s or KB/stream). */
export function throughputPoints(rows: readonly Row[]): ThroughputPoint[] {
  const points: ThroughputPoint[] = [];
  for (const row of rows) {
    if (!row.unit.endsWith('/s') || row.unit === 'MB/s') continue;
    for (const side of ['server', 'baseline'] as const) {
      const m = row[side];
      if (!m || m.unavailable || !Number.isFinite(m.value)) continue;
      points.push({
        scenario: `${row.label} (${row.unit})`,
        concurrency: `${row.concurrency}`,
        side,
        value: m.value,
        unit: row.unit,
      });
    }
  }
  return points;
}

/**
 * Merges the rows of several results (e.g. partial smoke runs): a later row for the same
 * scenario and concurrency replaces an earlier one when it measured the server.
 */
export function mergeRows(results: readonly (readonly Row[])[]): Row[] {
  const merged = new Map<string, Row>();
  for (const rows of results) {
    for (const row of rows) {
      const key = `${row.id}@${row.concurrency}`;
      const known = merged.get(key);
      if (!known || (row.server && !row.server.unavailable) || !known.server || known.server.unavailable) {
        merged.set(key, row);
      }
    }
  }
  return [...merged.values()];
}
