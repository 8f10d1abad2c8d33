import type { Measurement, Target } from '../../bench/measurement.js';
import { unavailable } from '../../bench/measurement.js';
import { summarise } from '../../bench/summary.js';
import { formatNumber, formatTable, tableCells } from '../../bench/table.js';

function measured(id: string, side: Measurement['side'], concurrency: number, value: number): Measurement {
  return {
    id,
    label: id,
    side,
    concurrency,
    value,
    unit: 'req/s',
    higherIsBetter: true,
    count: 100,
    errors: 0,
    latency: { count: 100, mean: 1, p50: 0.5, p90: 1.5, p99: 2.25, max: 3 },
  };
}

const targets: Record<string, Target> = {
  rest: { text: '≥0.6×', minRatio: 0.6 },
  held: { text: '<30 KB/stream', maxValue: 30 },
};

describe('summarise', () => {
  it('pairs server and baseline by scenario and concurrency, in first-seen order', () => {
    const rows = summarise(
      [
        measured('rest', 'baseline', 1, 1000),
        measured('rest', 'server', 1, 700),
        measured('rest', 'baseline', 16, 2000),
        measured('rest', 'server', 16, 1000),
        measured('other', 'baseline', 1, 10),
        measured('other', 'server', 1, 30),
      ],
      targets,
    );
    expect(rows.map((r) => [r.id, r.concurrency])).toEqual([
      ['rest', 1],
      ['rest', 16],
      ['other', 1],
    ]);
    expect(rows[0]!.ratio).toBeCloseTo(0.7);
    expect(rows[0]!.meetsTarget).toBe(true);
    expect(rows[1]!.ratio).toBeCloseTo(0.5);
    expect(rows[1]!.meetsTarget).toBe(false);
    expect(rows[2]!.ratio).toBeCloseTo(3);
    expect(rows[2]!.meetsTarget).toBeUndefined();
  });

  it('leaves the ratio and verdict open when a side could not run', () => {
    const rows = summarise(
      [
        measured('rest', 'baseline', 1, 1000),
        unavailable({ id: 'rest', label: 'rest', side: 'server', concurrency: 1, unit: 'req/s' }, 'no gRPC'),
      ],
      targets,
    );
    expect(rows[0]!.ratio).toBeUndefined();
    expect(rows[0]!.meetsTarget).toBeUndefined();
    expect(tableCells(rows[0]!)).toContain('not available: no gRPC');
  });

  it('sets the other build beside this one with --compare, and shows its columns only then', () => {
    const rows = summarise(
      [
        measured('rest', 'baseline', 1, 1000),
        measured('rest', 'compare', 1, 800),
        measured('rest', 'server', 1, 1200),
      ],
      targets,
    );
    expect(rows[0]!.ratio).toBeCloseTo(1.2);
    expect(rows[0]!.compareRatio).toBeCloseTo(1.5);
    expect(rows[0]!.compareBaselineRatio).toBeCloseTo(0.8);
    const [header, , line] = formatTable(rows).split('\n');
    expect(header).toContain('| ratio | compare | compare/baseline | server/compare | target |');
    expect(line).toContain('| 1.20× | 800 | 0.80× | 1.50× |');
    const plain = summarise(
      [measured('rest', 'baseline', 1, 1000), measured('rest', 'server', 1, 700)],
      targets,
    );
    expect(formatTable(plain)).not.toContain('compare');
  });

  it('judges a lower-is-better target on the server value alone', () => {
    const small = { ...measured('held', 'server', 1000, 12.5), unit: 'KB/stream', higherIsBetter: false };
    const big = { ...small, concurrency: 10_000, value: 31 };
    const rows = summarise([small, big], targets);
    expect(rows.map((r) => r.meetsTarget)).toEqual([true, false]);
  });
});

describe('table', () => {
  it('formats figures with precision suited to their size', () => {
    expect(formatNumber(12_345.6)).toBe('12,346');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0.1234)).toBe('0.123');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(undefined)).toBe('–');
  });

  it('renders a Markdown row with ratio, verdict and latencies', () => {
    const rows = summarise(
      [measured('rest', 'baseline', 16, 2000), measured('rest', 'server', 16, 1500)],
      targets,
    );
    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain(
      '| rest | 16 | req/s | 1,500 | 2,000 | 0.75× | ≥0.6× met | 0.500 / 1.50 / 2.25 |',
    );
  });
});

describe('the express baseline and targets per concurrency', () => {
  const perConcurrency: Record<string, Target> = {
    'rest@1': { text: '≥0.6×', minRatio: 0.6 },
    'rest@16': { text: '≥0.4×, ≥3× express', minRatio: 0.4, minExpressRatio: 3 },
  };

  it('rates the server against both baselines and judges every condition of the target', () => {
    const rows = summarise(
      [
        measured('rest', 'baseline', 1, 1000),
        measured('rest', 'express', 1, 500),
        measured('rest', 'server', 1, 650),
        measured('rest', 'baseline', 16, 1000),
        measured('rest', 'express', 16, 200),
        measured('rest', 'server', 16, 500),
      ],
      perConcurrency,
    );
    expect(rows[0]!.target?.text).toBe('≥0.6×');
    expect(rows[0]!.expressRatio).toBeCloseTo(1.3);
    expect(rows[0]!.meetsTarget).toBe(true);
    // 0.5× node:http is enough at 16, 2.5× express is not.
    expect(rows[1]!.ratio).toBeCloseTo(0.5);
    expect(rows[1]!.expressRatio).toBeCloseTo(2.5);
    expect(rows[1]!.meetsTarget).toBe(false);
    const table = formatTable(rows);
    expect(table.split('\n')[0]).toContain('| express | server/express |');
    expect(table).toContain('| 200 | 2.50× |');
  });

  it('leaves the verdict open when one of its figures is missing', () => {
    const rows = summarise(
      [measured('rest', 'baseline', 16, 1000), measured('rest', 'server', 16, 500)],
      perConcurrency,
    );
    expect(rows[0]!.meetsTarget).toBeUndefined();
  });
});
