/**
 * `npm run bench:chart [-- <results.json>…] [--out <file.svg>]`: renders the latest bench result
 * (or the given ones, merged: later rows replace earlier ones) as an SVG with vega-lite, headless: server / baseline ratios against the targets
 * (bars, target ticks), and absolute throughput of both sides (points, log scale). Prints the
 * merged rows as a Markdown table on stdout. Writes `bench/chart.svg` by default.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Row } from '../summary.js';
import { formatTable } from '../table.js';
import { mergeRows, ratioPoints, throughputPoints } from './chart-data.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The part of a results file the chart reads. */
interface ResultRecord {
  rows: Row[];
  startedAt: string;
  config: { mode: string };
}

function latestResult(): string {
  const dir = path.join(benchDir, 'results');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no results in ${dir}: run \`npm run bench\` first`);
  return path.join(dir, files[files.length - 1]!);
}

/** The vega-lite spec: ratio bars with target ticks above, absolute throughput points below. */
function chartSpec(rows: readonly Row[], title: string): vl.TopLevelSpec {
  const ratios = ratioPoints(rows);
  const throughput = throughputPoints(rows);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif', axisY: { labelLimit: 360 } },
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [
      {
        title: 'server / baseline, same run (ticks: target)',
        data: { values: ratios },
        width: 520,
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'scenario', type: 'nominal', title: null, sort: null },
              yOffset: { field: 'concurrency' },
              x: { field: 'ratio', type: 'quantitative', title: 'ratio' },
              color: {
                field: 'concurrency',
                type: 'nominal',
                title: 'concurrency',
                scale: { range: ['#f58518', '#4c78a8'] },
              },
              tooltip: [{ field: 'ratio', format: '.2f' }],
            },
          },
          {
            mark: { type: 'tick', color: 'black', thickness: 2 },
            encoding: {
              y: { field: 'scenario', type: 'nominal', sort: null },
              x: { field: 'target', type: 'quantitative' },
            },
          },
        ],
      },
      {
        title: 'throughput, per second (log scale)',
        data: { values: throughput },
        width: 300,
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          y: { field: 'scenario', type: 'nominal', title: null, sort: null },
          x: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'per second' },
          color: {
            field: 'side',
            type: 'nominal',
            scale: { domain: ['server', 'baseline'], range: ['#4c78a8', '#999999'] },
          },
          shape: {
            field: 'side',
            type: 'nominal',
            scale: { domain: ['server', 'baseline'], range: ['circle', 'diamond'] },
          },
          column: { field: 'concurrency', type: 'nominal', title: 'concurrent clients' },
        },
      },
    ],
  } as vl.TopLevelSpec;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1]! : path.join(benchDir, 'chart.svg');
  const given = args.filter((a, i) => a.endsWith('.json') && args[i - 1] !== '--out');
  const inputs = given.length > 0 ? given : [latestResult()];
  const records = inputs.map((file) => JSON.parse(readFileSync(file, 'utf8')) as ResultRecord);
  const last = records[records.length - 1]!;
  const runs =
    records.length > 1 ? `${records.length} ${last.config.mode} runs up to` : `${last.config.mode} run of`;
  const title = `mlserver-ts bench, ${runs} ${last.startedAt}`;
  const rows = mergeRows(records.map((r) => r.rows));
  const compiled = vl.compile(chartSpec(rows, title)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  writeFileSync(out, await view.toSVG());
  process.stderr.write(
    `chart: ${path.relative(process.cwd(), out)} (from ${inputs.length} result file(s))\n`,
  );
  // The same rows as a Markdown table, to paste into BENCHMARKS.md beside the chart.
  process.stdout.write(`${formatTable(rows)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`chart failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
