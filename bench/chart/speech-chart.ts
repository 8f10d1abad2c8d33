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
}

/** The chart's title: what was run, when, and how long each step streamed. */
export function speechChartTitle(mode: string, at: string, seconds: number): string {
  return `mlserver-ts real-time speech sessions (${mode} run, ${at}, ${seconds} s of audio per step)`;
}

/**
 * p99 (solid) and p50 (dashed) frame-to-result latency against concurrent sessions, one colour
 * per model, failing steps as crosses, with the 100 ms limit as a rule (log scales both ways).
 */
export function speechChartSpec(steps: readonly ChartStep[], title: string): vl.TopLevelSpec {
  const points = steps
    .filter((s) => Number.isFinite(s.p99Ms))
    .flatMap((s) => [
      { model: s.model, sessions: s.load, latency: s.p99Ms, stat: 'p99', verdict: s.pass ? 'pass' : 'fail' },
      { model: s.model, sessions: s.load, latency: s.p50Ms, stat: 'p50', verdict: s.pass ? 'pass' : 'fail' },
    ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif' },
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: false },
        encoding: {
          x: {
            field: 'sessions',
            type: 'quantitative',
            scale: { type: 'log', base: 2 },
            title: 'concurrent sessions',
          },
          y: {
            field: 'latency',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'frame-to-result latency, ms',
          },
          color: { field: 'model', type: 'nominal', title: 'model' },
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
