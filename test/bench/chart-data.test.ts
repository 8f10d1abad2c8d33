import { ratioPoints, throughputPoints } from '../../bench/chart/chart-data.js';
import type { Measurement } from '../../bench/measurement.js';
import { unavailable } from '../../bench/measurement.js';
import { summarise } from '../../bench/summary.js';

function m(id: string, side: 'server' | 'baseline', value: number, unit = 'req/s'): Measurement {
  return { id, label: id, side, concurrency: 16, value, unit, higherIsBetter: true, count: 1, errors: 0 };
}

describe('chart data', () => {
  const rows = summarise(
    [
      m('rest', 'baseline', 2000),
      m('rest', 'server', 1000),
      m('large', 'baseline', 100, 'MB/s'),
      m('large', 'server', 50, 'MB/s'),
      m('held', 'server', 12, 'KB/stream'),
      m('grpc', 'baseline', 3000),
      unavailable({ id: 'grpc', label: 'grpc', side: 'server', concurrency: 16, unit: 'req/s' }, 'no gRPC'),
    ],
    { rest: { text: '≥0.6×', minRatio: 0.6 } },
  );

  it('charts every row with a ratio, with its target', () => {
    expect(ratioPoints(rows)).toEqual([
      { scenario: 'rest', concurrency: '16 clients', ratio: 0.5, target: 0.6 },
      { scenario: 'large', concurrency: '16 clients', ratio: 0.5 },
    ]);
  });

  it('charts per-second figures of both sides, skipping MB/s, memory and unmeasured sides', () => {
    expect(throughputPoints(rows).map((p) => [p.scenario, p.side, p.value])).toEqual([
      ['rest (req/s)', 'server', 1000],
      ['rest (req/s)', 'baseline', 2000],
      ['grpc (req/s)', 'baseline', 3000],
    ]);
  });
});
