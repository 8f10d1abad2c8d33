import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SEED, SOAK, runs } from './fuzz-settings.js';

/** Where the suites write their figures; `npm run robustness` turns them into the README table. */
export const FIGURES_DIR = path.resolve(import.meta.dirname, '../../../test-artifacts/robustness');

/** What one transport's fuzzing or abuse run saw. */
export interface TransportFigures {
  /** The transport and what was fuzzed ("REST infer (JSON)", "gRPC garbage bytes", …). */
  transport: string;
  /** Where the server ran: in the test process, or the real CLI process. */
  server: 'in-process' | 'CLI';
  /** Requests, messages, frames or files sent. */
  inputs: number;
  /** How the server answered: HTTP status, gRPC status name, WebSocket close code, or `ok`. */
  outcomes: Record<string, number>;
  /** The server process died (or stopped answering health). */
  crashes: number;
  /** 5xx (INTERNAL, UNKNOWN, close 4500/1011) answers to a client's mistake. */
  serverErrorsForClientMistakes: number;
  /** Answers that did not come within the per-request timeout. */
  hangs: number;
  /** 200 answers whose content did not match the request. */
  wrongResults: number;
  /** Sockets (in-process) or descriptors (CLI) still open after the run beyond the baseline. */
  leakedHandles: number;
  /** Sessions still open after the run. */
  leakedSessions: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}

/** Counts one transport's answers while a suite runs. */
export class FigureCounter {
  readonly figures: TransportFigures;

  constructor(transport: string, server: TransportFigures['server']) {
    this.figures = {
      transport,
      server,
      inputs: 0,
      outcomes: {},
      crashes: 0,
      serverErrorsForClientMistakes: 0,
      hangs: 0,
      wrongResults: 0,
      leakedHandles: 0,
      leakedSessions: 0,
      rssBeforeMb: 0,
      rssPeakMb: 0,
      rssAfterMb: 0,
    };
  }

  /** A measured figure of an abuse run (responses made ahead, MB grown, …) under `key`. */
  record(key: string, value: number): void {
    this.figures.outcomes[key] = value;
  }

  /** `n` inputs that all ended the same way. */
  tally(outcome: string, n: number): void {
    this.figures.inputs += n;
    this.figures.outcomes[outcome] = (this.figures.outcomes[outcome] ?? 0) + n;
  }

  /** One input sent and how it was answered. */
  count(outcome: string | number, inputs = 1): void {
    this.figures.inputs += inputs;
    const key = String(outcome);
    this.figures.outcomes[key] = (this.figures.outcomes[key] ?? 0) + 1;
  }
}

/** Writes a suite's figures to `test-artifacts/robustness/<suite>.json`. */
export function writeFigures(suite: string, figures: TransportFigures[]): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const record = {
    suite,
    writtenAt: new Date().toISOString(),
    mode: SOAK ? 'soak' : 'bounded',
    seed: SEED,
    runsFactor: runs(1000) / 1000,
    transports: figures,
  };
  writeFileSync(path.join(FIGURES_DIR, `${suite}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

/** Bytes to MB with one decimal. */
export function mb(bytes: number): number {
  return Math.round((bytes / 1e6) * 10) / 10;
}
