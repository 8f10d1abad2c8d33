import {
  bytesPerItem,
  megabytesPerSecond,
  percentile,
  perSecond,
  ratio,
  summariseLatencies,
} from '../../bench/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p% at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('rounds the rank up on small sets', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 90)).toBe(30);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN on an empty set', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summariseLatencies', () => {
  it('sorts numerically, not as strings', () => {
    const summary = summariseLatencies([10, 9, 100, 1, 2]);
    expect(summary).toEqual({ count: 5, mean: 24.4, p50: 9, p90: 100, p99: 100, max: 100 });
  });

  it('summarises an empty set as zero count and NaN figures', () => {
    const summary = summariseLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(summary.mean).toBeNaN();
  });
});

describe('rates and ratios', () => {
  it('counts per second over milliseconds', () => {
    expect(perSecond(500, 2000)).toBe(250);
    expect(perSecond(10, 0)).toBe(0);
  });

  it('gives megabytes (10^6 bytes) per second', () => {
    expect(megabytesPerSecond(64e6, 500)).toBe(128);
  });

  it('divides server by baseline', () => {
    expect(ratio(600, 1000)).toBeCloseTo(0.6);
    expect(ratio(3000, 1500)).toBe(2);
  });

  it('has no ratio when a side is missing, not finite, or the baseline is zero', () => {
    expect(ratio(undefined, 1000)).toBeUndefined();
    expect(ratio(1000, undefined)).toBeUndefined();
    expect(ratio(Number.NaN, 1000)).toBeUndefined();
    expect(ratio(1000, 0)).toBeUndefined();
  });

  it('gives bytes per item from RSS readings in KiB', () => {
    expect(bytesPerItem(100_000, 110_000, 1000)).toBe(10_240);
    expect(bytesPerItem(100_000, 110_000, 0)).toBeNaN();
  });
});
