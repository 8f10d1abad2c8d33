import { readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sum } from '../helpers/metrics-scrape.js';
import { openStreamsOf, scrapeOnce } from '../fuzz/support/metrics-once.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { tempFolder } from '../helpers/test-server.js';
import { descriptorsOf, rssOf } from '../fuzz/support/resources.js';

const ABUSE_MODELS = path.resolve(import.meta.dirname, '../fixtures/abuse');
const BUNDLED = path.resolve(import.meta.dirname, '../../model-repository');

/** How to start the abused server. */
export interface AbuseCliOptions {
  /** settings.json of the folder (host 127.0.0.1 and a short grace period unless set). */
  settings?: Record<string, unknown>;
  /** Bundled models (model-repository/) to copy beside the abuse models. */
  bundled?: string[];
  /** The heap cap of the server process (`--max-old-space-size`, MB). */
  heapMb?: number;
  /** Start a Triton-flavour gRPC listener too. */
  triton?: boolean;
}

/** The real CLI over the abuse models, with what a suite measures of its process. */
export interface AbuseCli extends CliServer {
  pid: number;
  metrics: string;
  /** Open file descriptors of the server process. */
  descriptors(): number;
  /** Resident set size now, and the process's peak so far (VmHWM), in bytes. */
  rss(): number;
  peakRss(): number;
  /** The sum of a metric's samples (custom ones included) on the server's metrics page. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Streams and WebSocket sessions the server has open, from its metrics page. */
  openStreams(): Promise<number>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Stops the server (SIGTERM) unless it already exited, and removes its folder. */
  close(): Promise<number | null>;
}

/** Starts `mlserver-ts start <folder>` as users do, on a fresh folder holding the abuse models. */
export async function startAbuseCli(options: AbuseCliOptions = {}): Promise<AbuseCli> {
  const folder = await tempFolder();
  await cp(ABUSE_MODELS, folder.dir, { recursive: true });
  for (const model of options.bundled ?? [])
    await cp(path.join(BUNDLED, model), path.join(folder.dir, model), { recursive: true });
  await writeFile(
    path.join(folder.dir, 'settings.json'),
    JSON.stringify({ host: '127.0.0.1', shutdown_grace_period: 5, ...options.settings }),
  );
  const models = ['ticker', 'slow', 'hung', ...(options.bundled ?? [])];
  const server = await startCliServer(folder.dir, {
    models,
    triton: options.triton,
    env: options.heapMb ? { NODE_OPTIONS: `--max-old-space-size=${options.heapMb}` } : {},
  }).catch(async (err: unknown) => {
    await folder.remove();
    throw err;
  });
  const port = await server.cli.waitForLine(/Metrics server running on http:\/\/[^:]+:(\d+)/);
  const metrics = `http://127.0.0.1:${port}/metrics`;
  const pid = server.cli.child.pid!;
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    sum(await scrapeOnce(metrics), name, labels);
  return {
    ...server,
    pid,
    metrics,
    descriptors: () => descriptorsOf(pid),
    rss: () => rssOf(pid),
    peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    metric,
    openStreams: () => openStreamsOf(metrics),
    alive: () => server.cli.child.exitCode === null && server.cli.child.signalCode === null,
    async close() {
      try {
        if (server.cli.child.exitCode !== null || server.cli.child.signalCode !== null)
          return server.cli.child.exitCode;
        return await server.stop();
      } finally {
        await folder.remove();
      }
    },
  };
}

/**
 * Polls `value` until it has not changed for `quietMs` (a producer that stopped because its
 * reader stopped), or until it passes `ceiling` (one that never stops): resolves with the last
 * value. No time limit but the test's; the ceiling is what the test asserts against.
 */
export async function untilSteady(
  value: () => Promise<number>,
  ceiling: number,
  quietMs = 1500,
): Promise<number> {
  let last = await value();
  let since = Date.now();
  for (;;) {
    await sleep(100);
    const now = await value();
    if (now > ceiling) return now;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
  }
}

/** Polls `value` until `check` holds for it; resolves with it (no limit but the test's). */
export async function until<T>(value: () => Promise<T> | T, check: (v: T) => boolean): Promise<T> {
  for (;;) {
    const now = await value();
    if (check(now)) return now;
    await sleep(50);
  }
}
