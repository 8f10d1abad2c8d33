import autocannon from 'autocannon';
import { type LatencySummary, summariseLatencies } from '../stats.js';

/** A closed-loop POST load on one URL, measured by autocannon. */
export interface HttpLoadOptions {
  url: string;
  body: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Called as the counted window starts and ends (after the warm-up). */
  onWindow?: (phase: 'start' | 'end') => void;
}

/** What autocannon measured: 2xx completions, failures, and its latency percentiles (ms). */
export interface HttpLoadResult {
  count: number;
  errors: number;
  elapsedMs: number;
  latency: LatencySummary;
}

/**
 * Runs autocannon in-process (it is the load generator; the target is another process).
 * Latencies come from its per-response event (float milliseconds), not its histogram, whose
 * 1 ms resolution would read sub-millisecond latencies as 0 or 1.
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const common = {
    url: options.url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
  };
  if (options.warmupMs > 0) await autocannon({ ...common, duration: options.warmupMs / 1000 });
  const latencies: number[] = [];
  // Without a callback autocannon returns its event emitter, made awaitable (typed as a bare Promise).
  const instance = autocannon({
    ...common,
    duration: options.durationMs / 1000,
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  options.onWindow?.('start');
  const result = await instance;
  options.onWindow?.('end');
  return {
    count: result['2xx'],
    errors: result.non2xx + result.errors,
    elapsedMs: result.duration * 1000,
    latency: summariseLatencies(latencies),
  };
}
