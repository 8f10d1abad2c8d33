/** What a fixed-count sequential run measured. */
export interface SequentialResult {
  count: number;
  errors: number;
  elapsedMs: number;
  latencies: number[];
}

/**
 * Runs `op` `count` times, one after another (one client), after one unmeasured warm-up call
 * when more than one is measured (a quick run's single 64 MB request goes without, to stay short).
 * For operations too large to run for a fixed time (64 MB tensors), so the run stays bounded.
 */
export async function runSequential(count: number, op: () => Promise<boolean>): Promise<SequentialResult> {
  if (count > 1) await op().catch(() => false);
  const result: SequentialResult = { count: 0, errors: 0, elapsedMs: 0, latencies: [] };
  for (let i = 0; i < count; i++) {
    const begun = performance.now();
    const ok = await op().catch(() => false);
    const took = performance.now() - begun;
    result.elapsedMs += took;
    if (ok) {
      result.count++;
      result.latencies.push(took);
    } else {
      result.errors++;
    }
  }
  return result;
}
