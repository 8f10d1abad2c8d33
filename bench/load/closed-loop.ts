/** What one operation reports besides its latency (which the loop measures). */
export interface OpOutcome {
  ok: boolean;
  /** Messages or events the operation received (streams count their responses). */
  messages?: number;
  /** Milliseconds from the start of the operation to its first message, for streams. */
  firstMessageMs?: number;
}

/** A closed-loop run: `concurrency` workers, each starting its next operation when the last ends. */
export interface ClosedLoopOptions {
  concurrency: number;
  /** Operations before this are not counted (connections open, JIT warms up). */
  warmupMs: number;
  durationMs: number;
  /** One operation of worker `worker`; should not throw (a throw counts as an error). */
  op: (worker: number) => Promise<OpOutcome>;
  /** Called when the measured window opens and when it closes (e.g. to read a process's CPU time). */
  onWindow?: (phase: 'start' | 'end') => void;
}

/** What a closed-loop run measured (after warm-up). */
export interface ClosedLoopResult {
  count: number;
  errors: number;
  messages: number;
  elapsedMs: number;
  latencies: number[];
  firstMessageLatencies: number[];
}

/**
 * Runs a closed-loop load: each worker repeats its operation until the time is up. Only
 * operations that start after the warm-up and end before the deadline are counted, so
 * throughput is completions over the measured window.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const deadline = measureFrom + options.durationMs;
  const result: ClosedLoopResult = {
    count: 0,
    errors: 0,
    messages: 0,
    elapsedMs: options.durationMs,
    latencies: [],
    firstMessageLatencies: [],
  };
  // The window's hooks: each called once, in order, the end at the latest when the loop returns.
  let phase: 'before' | 'open' | 'closed' = 'before';
  const open = () => {
    if (phase !== 'before') return;
    phase = 'open';
    options.onWindow?.('start');
  };
  const close = () => {
    if (phase !== 'open') return;
    phase = 'closed';
    options.onWindow?.('end');
  };
  const opened = setTimeout(open, options.warmupMs);
  const closed = setTimeout(close, options.warmupMs + options.durationMs);
  const worker = async (id: number) => {
    while (performance.now() < deadline) {
      const begun = performance.now();
      let outcome: OpOutcome;
      try {
        outcome = await options.op(id);
      } catch {
        outcome = { ok: false };
      }
      const ended = performance.now();
      if (!outcome.ok) {
        // A failing target can fail fast: yield to the event loop so the loop cannot starve it.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (begun < measureFrom || ended > deadline) continue;
      if (!outcome.ok) {
        result.errors++;
        continue;
      }
      result.count++;
      result.messages += outcome.messages ?? 1;
      result.latencies.push(ended - begun);
      if (outcome.firstMessageMs !== undefined) result.firstMessageLatencies.push(outcome.firstMessageMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  clearTimeout(opened);
  clearTimeout(closed);
  close();
  return result;
}
