import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** What the chart reads of each step of the speech capacity search. */
export interface ChartStep {
  model: string;
  load: number;
  pass: boolean;
  p50Ms: number;
  p99Ms: number;
  /** Cores used while the step streamed: by the server, and by every other process of the machine. */
  cpu: { server: number; others: number };
}

/** The chart's title: what was run, when, and how long each step streamed. */
export function speechChartTitle(mode: string, at: string, seconds: number): string {
  return `mlserver-ts real-time speech sessions (${mode} run, ${at}, ${seconds} s of audio per step)`;
}

/**
 * Top: p99 (solid) and p50 (dashed) frame-to-result latency against concurrent sessions, one
 * colour per model, failing steps as crosses, with the 100 ms limit as a rule (log scales both
 * ways). Bottom: the cores the server used during each step (solid) and the cores every other
 * process of the machine used meanwhile (dotted): on a shared machine the second says how much
 * of it the server had.
 */
export function speechChartSpec(steps: readonly ChartStep[], title: string): vl.TopLevelSpec {
  const points = steps
    .filter((s) => Number.isFinite(s.p99Ms))
    .flatMap((s) => [
      { model: s.model, sessions: s.load, latency: s.p99Ms, stat: 'p99', verdict: s.pass ? 'pass' : 'fail' },
      { model: s.model, sessions: s.load, latency: s.p50Ms, stat: 'p50', verdict: s.pass ? 'pass' : 'fail' },
    ]);
  const cpu = steps.flatMap((s) => [
    { model: s.model, sessions: s.load, cores: s.cpu.server, who: 'server' },
    { model: s.model, sessions: s.load, cores: s.cpu.others, who: 'other processes' },
  ]);
  const sessions = {
    field: 'sessions',
    type: 'quantitative',
    scale: { type: 'log', base: 2 },
    title: 'concurrent sessions',
  } as const;
  const colour = { field: 'model', type: 'nominal', title: 'model' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif' },
    vconcat: [
      {
        width: 560,
        height: 300,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', point: false },
            encoding: {
              x: sessions,
              y: {
                field: 'latency',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'frame-to-result latency, ms',
              },
              color: colour,
              strokeDash: { field: 'stat', type: 'nominal', title: 'percentile', sort: ['p99', 'p50'] },
              detail: [{ field: 'model' }, { field: 'stat' }],
              order: { field: 'sessions', type: 'quantitative' },
            },
          },
          {
            data: { values: points.filter((p) => p.stat === 'p99') },
            mark: { type: 'point', filled: true, size: 60 },
            encoding: {
              x: { field: 'sessions', type: 'quantitative' },
              y: { field: 'latency', type: 'quantitative' },
              color: { field: 'model', type: 'nominal' },
              shape: {
                field: 'verdict',
                type: 'nominal',
                title: 'step',
                scale: { domain: ['pass', 'fail'], range: ['circle', 'cross'] },
              },
            },
          },
          {
            data: { values: [{ limit: 100 }] },
            mark: { type: 'rule', color: 'black', strokeDash: [2, 2] },
            encoding: { y: { field: 'limit', type: 'quantitative' } },
          },
        ],
      },
      {
        width: 560,
        height: 140,
        data: { values: cpu },
        mark: { type: 'line', point: true },
        encoding: {
          x: sessions,
          y: { field: 'cores', type: 'quantitative', title: 'cores used during the step' },
          color: colour,
          strokeDash: {
            field: 'who',
            type: 'nominal',
            title: 'CPU of',
            sort: ['server', 'other processes'],
            scale: {
              domain: ['server', 'other processes'],
              range: [
                [1, 0],
                [2, 3],
              ],
            },
            legend: { symbolType: 'stroke' },
          },
          detail: [{ field: 'model' }, { field: 'who' }],
          order: { field: 'sessions', type: 'quantitative' },
        },
      },
    ],
    resolve: { scale: { color: 'shared', strokeDash: 'independent' } },
  } as vl.TopLevelSpec;
}

/** Renders the chart to an SVG file, headless. */
export async function renderSpeechChart(
  steps: readonly ChartStep[],
  title: string,
  out: string,
): Promise<void> {
  const compiled = vl.compile(speechChartSpec(steps, title)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  writeFileSync(out, await view.toSVG());
}
