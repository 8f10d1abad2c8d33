/**
 * `npm run bench:speech-chart [-- <speech-capacity-….json>] [--out <file.svg>]`: renders the
 * speech capacity steps of the latest `npm run bench` (or of the given record) as
 * `bench/speech-capacity.svg`, and prints each step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeStep, type SpeechStep } from '../speech-judge.js';
import { renderSpeechChart, speechChartTitle } from './speech-chart.js';

const benchDir = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1]! : path.join(benchDir, 'speech-capacity.svg');
let file = args.find((a, i) => a.endsWith('.json') && args[i - 1] !== '--out');
if (!file) {
  const dir = path.join(benchDir, 'results');
  const latest = readdirSync(dir)
    .filter((f) => f.startsWith('speech-capacity-') && f.endsWith('.json'))
    .sort()
    .at(-1);
  if (!latest)
    throw new Error(`no speech-capacity-*.json in ${dir}: run \`npm run bench -- --only speech-capacity\``);
  file = path.join(dir, latest);
}
const record = JSON.parse(readFileSync(file, 'utf8')) as {
  at: string;
  mode: string;
  stepSeconds: number;
  steps: SpeechStep[];
};
await renderSpeechChart(record.steps, speechChartTitle(record.mode, record.at, record.stepSeconds), out);
for (const step of record.steps) process.stdout.write(`${describeStep(step)}\n`);
process.stderr.write(
  `chart: ${path.relative(process.cwd(), out)} (from ${path.relative(process.cwd(), file)})\n`,
);
