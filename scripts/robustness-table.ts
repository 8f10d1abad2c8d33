/**
 * Prints the figures the fuzz and abuse suites wrote (test-artifacts/robustness/*.json, by
 * `npm test` or `npm run test:soak`) as the Markdown tables of the README's Robustness section:
 * inputs per transport with how they were answered, crashes, 5xx for a client's mistake, hangs,
 * wrong results, leaked handles and sessions, and the server's memory before, at peak and after.
 *
 * npm run robustness [-- <folder>]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TransportFigures } from '../test/fuzz/support/figures.js';

const folder = path.resolve(process.argv[2] ?? 'test-artifacts/robustness');
const records = readdirSync(folder)
  .filter((file) => file.endsWith('.json'))
  .map(
    (file) =>
      JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as {
        suite: string;
        writtenAt: string;
        mode?: string;
        seed?: number;
        runsFactor?: number;
        transports: TransportFigures[];
      },
  )
  .sort((a, b) => a.suite.localeCompare(b.suite));

const fuzz = records.filter((r) => !r.suite.startsWith('abuse'));
const abuse = records.filter((r) => r.suite.startsWith('abuse'));

/** Outcomes as `200: 68, 400: 118` in the order they first happened (abuse figures in the order measured). */
function outcomes(figures: TransportFigures): string {
  return Object.entries(figures.outcomes)
    .map(([key, n]) => `${key}: ${n.toLocaleString('en-US')}`)
    .join(', ');
}

const memory = (f: TransportFigures) => `${f.rssBeforeMb} → ${f.rssPeakMb} → ${f.rssAfterMb}`;

function table(title: string, rows: { suite: string; figures: TransportFigures }[]): void {
  if (rows.length === 0) return;
  console.log(`\n${title}\n`);
  console.log(
    '| what | server | inputs | answers | crashes | 5xx for client errors | hangs | wrong results | leaked handles | leaked sessions | server RSS MB before → peak → after |',
  );
  console.log('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const { figures: f } of rows) {
    console.log(
      `| ${f.transport} | ${f.server} | ${f.inputs.toLocaleString('en-US')} | ${outcomes(f)} | ${f.crashes} | ${f.serverErrorsForClientMistakes} | ${f.hangs} | ${f.wrongResults} | ${f.leakedHandles} | ${f.leakedSessions} | ${memory(f)} |`,
    );
  }
  const total = rows.reduce(
    (t, { figures: f }) => ({
      inputs: t.inputs + f.inputs,
      crashes: t.crashes + f.crashes,
      fiveXx: t.fiveXx + f.serverErrorsForClientMistakes,
      hangs: t.hangs + f.hangs,
      wrong: t.wrong + f.wrongResults,
      handles: t.handles + f.leakedHandles,
      sessions: t.sessions + f.leakedSessions,
    }),
    { inputs: 0, crashes: 0, fiveXx: 0, hangs: 0, wrong: 0, handles: 0, sessions: 0 },
  );
  console.log(
    `| **total** | | **${total.inputs.toLocaleString('en-US')}** | | **${total.crashes}** | **${total.fiveXx}** | **${total.hangs}** | **${total.wrong}** | **${total.handles}** | **${total.sessions}** | |`,
  );
}

const rows = (list: typeof records) =>
  list.flatMap((record) => record.transports.map((figures) => ({ suite: record.suite, figures })));
const written = records.map((r) => r.writtenAt).sort();
console.log(`Figures written ${written[0] ?? '-'} … ${written.at(-1) ?? '-'} (${folder})`);
const modes = [
  ...new Set(records.map((r) => `${r.mode ?? '?'}, seed ${r.seed ?? '?'}, runs ×${r.runsFactor ?? '?'}`)),
];
console.log(`Runs: ${modes.join('; ')}`);
table('Fuzzing', rows(fuzz));
table('Abuse', rows(abuse));
