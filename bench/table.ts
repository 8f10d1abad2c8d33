import type { Measurement } from './measurement.js';
import type { Row } from './summary.js';

/** Formats a figure with precision that suits its size: 12,345 · 123 · 12.3 · 1.23 · 0.123. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function headline(m: Measurement | undefined): string {
  if (!m) return '–';
  if (m.unavailable) return 'n/a';
  const errors = m.errors > 0 ? ` (${m.errors} err)` : '';
  return `${formatNumber(m.value)}${errors}`;
}

function latencies(m: Measurement | undefined): string {
  if (!m?.latency || m.unavailable) return '–';
  const { p50, p90, p99 } = m.latency;
  return `${formatNumber(p50)} / ${formatNumber(p90)} / ${formatNumber(p99)}`;
}

function verdict(row: Row): string {
  if (!row.target) return '';
  const mark = row.meetsTarget === undefined ? '?' : row.meetsTarget ? 'met' : 'MISSED';
  return `${row.target.text} ${mark}`;
}

function notes(row: Row): string {
  const why = row.server?.unavailable ?? row.baseline?.unavailable;
  if (why) return `not available: ${why}`;
  const parts = Object.entries(row.server?.extra ?? {}).map(
    ([key, value]) => `${key}=${formatNumber(value)}`,
  );
  // The other sides' CPU per operation, beside the server's.
  for (const side of ['compare', 'baseline', 'express'] as const) {
    const cpu = row[side]?.extra?.cpuUsPerOp;
    if (cpu !== undefined) parts.push(`${side}CpuUsPerOp=${formatNumber(cpu)}`);
  }
  return parts.join(' ');
}

/** The columns of the stdout table. */
export const TABLE_HEADER = [
  'scenario',
  'conc',
  'unit',
  'server',
  'baseline',
  'ratio',
  'target',
  'server p50/p90/p99 ms',
  'baseline p50/p90/p99 ms',
  'notes',
];

/** The extra columns of rows measured against the express baseline, placed after `ratio`. */
export const EXPRESS_HEADER = ['express', 'server/express'];

/** The extra columns of a run with `--compare`, placed after those. */
export const COMPARE_HEADER = ['compare', 'compare/baseline', 'server/compare'];

function ratioText(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

/**
 * One table line per row, as cells (with the express columns when `withExpress`, the compare
 * columns when `withCompare`; the compare/baseline column then also says compare/express).
 */
export function tableCells(row: Row, withCompare = false, withExpress = false): string[] {
  const cells = [
    row.label,
    String(row.concurrency),
    row.unit,
    headline(row.server),
    headline(row.baseline),
    ratioText(row.ratio),
    verdict(row),
    latencies(row.server),
    latencies(row.baseline),
    notes(row),
  ];
  const extra: string[] = [];
  if (withExpress) extra.push(headline(row.express), ratioText(row.expressRatio));
  if (withCompare) {
    const versus =
      row.compareExpressRatio === undefined ? '' : ` (${ratioText(row.compareExpressRatio)} express)`;
    extra.push(
      headline(row.compare),
      `${ratioText(row.compareBaselineRatio)}${versus}`,
      ratioText(row.compareRatio),
    );
  }
  cells.splice(6, 0, ...extra);
  return cells;
}

/** Renders rows as a Markdown table (readable on a terminal, pasteable into BENCHMARKS.md). */
export function formatTable(rows: readonly Row[]): string {
  const withCompare = rows.some((row) => row.compare);
  const withExpress = rows.some((row) => row.express);
  const header = [
    ...TABLE_HEADER.slice(0, 6),
    ...(withExpress ? EXPRESS_HEADER : []),
    ...(withCompare ? COMPARE_HEADER : []),
    ...TABLE_HEADER.slice(6),
  ];
  const lines = [
    header,
    header.map(() => '---'),
    ...rows.map((row) => tableCells(row, withCompare, withExpress)),
  ];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
