import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LatencySummary } from '../stats.js';

/** What one wrk run printed, parsed. */
export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Responses that were not 2xx/3xx, plus socket errors. */
  errors: number;
  /** From `--latency` (wrk prints 50/75/90/99%), milliseconds. */
  latency: Pick<LatencySummary, 'p50' | 'p90' | 'p99'>;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Parses wrk's report (run with `--latency`); figures it did not print come back NaN or 0. */
export function parseWrkOutput(text: string): WrkResult {
  const percentile = (p: number) => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return match ? toMs(match[1]!, match[2]!) : Number.NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: total ? Number(total[1]) : 0,
    seconds: total ? toMs(total[2]!, total[3]!) / 1000 : Number.NaN,
    requestsPerSecond: rate ? Number(rate[1]) : Number.NaN,
    errors: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
    latency: { p50: percentile(50), p90: percentile(90), p99: percentile(99) },
  };
}

/** Whether `wrk` (Debian's `wrk` package) is on the PATH. */
export function wrkInstalled(): Promise<boolean> {
  return new Promise((resolve) => execFile('wrk', ['--version'], (err) => resolve(err?.code !== 'ENOENT')));
}

/** Runs wrk (one thread) POSTing `body` to `url` over `connections` connections for `seconds`. */
export function runWrk(url: string, body: string, connections: number, seconds: number): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlserver-ts-wrk-'));
  const script = path.join(dir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(err);
      else resolve(parseWrkOutput(stdout));
    });
  });
}
