/**
 * The benchmark's arithmetic, kept pure so a unit test can check it: percentiles, latency
 * summaries, throughput and ratios. Latencies are milliseconds everywhere.
 */

/** Percentiles and extremes of a set of latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The `p`-th percentile (0–100) of values sorted ascending, by the nearest-rank method (the
 * smallest value with at least p% of the values at or below it), the way HDR histograms report.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Summarises raw latencies (any order). An empty set gives zero count and NaN figures. */
export function summariseLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((total, v) => total + v, 0);
  return {
    count: values.length,
    mean: values.length ? sum / values.length : Number.NaN,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? values[values.length - 1]! : Number.NaN,
  };
}

/** Operations per second over an elapsed time in milliseconds (0 when nothing elapsed). */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/** Megabytes (10^6 bytes) per second for `bytes` moved in `elapsedMs`. */
export function megabytesPerSecond(bytes: number, elapsedMs: number): number {
  return perSecond(bytes, elapsedMs) / 1e6;
}

/**
 * server / baseline for a figure where more is better (throughput). Undefined when either side
 * is missing, not finite, or the baseline is zero.
 */
export function ratio(server: number | undefined, baseline: number | undefined): number | undefined {
  if (server === undefined || baseline === undefined) return undefined;
  if (!Number.isFinite(server) || !Number.isFinite(baseline) || baseline === 0) return undefined;
  return server / baseline;
}

/** Bytes of resident memory per item (e.g. per open stream), from two RSS readings in KiB. */
export function bytesPerItem(rssBeforeKiB: number, rssAfterKiB: number, items: number): number {
  if (items <= 0) return Number.NaN;
  return ((rssAfterKiB - rssBeforeKiB) * 1024) / items;
}
