/**
 * The search for the largest load a machine sustains: double the load until a step fails, then
 * bisect between the last passing and the first failing load. Pure (the step is a callback), so
 * a unit test can check the order of the steps and the answer.
 */

/** What one step at one load measured, and whether it passed. */
export interface StepVerdict {
  load: number;
  pass: boolean;
}

/** Bounds of the search. */
export interface SearchLimits {
  /** The first load tried (1 unless something is known). */
  start: number;
  /** The largest load tried; reaching it while passing ends the search there. */
  max: number;
  /**
   * Bisection stops when the gap between the passing and failing loads is at most this fraction
   * of the passing load (and at most 1 session below 1/resolution).
   */
  resolution: number;
}

/**
 * Runs steps at growing loads (start, 2×start, 4×start, … up to `max`) until one fails, then
 * bisects. Resolves with the largest passing load (0 when even `start` fails) and every step in
 * the order it ran.
 */
export async function searchCapacity<T extends StepVerdict>(
  step: (load: number) => Promise<T>,
  limits: SearchLimits,
): Promise<{ capacity: number; steps: T[] }> {
  const steps: T[] = [];
  const run = async (load: number) => {
    const verdict = await step(load);
    steps.push(verdict);
    return verdict.pass;
  };
  let passing = 0;
  let failing: number | undefined;
  for (let load = Math.max(1, limits.start); ; load = Math.min(limits.max, load * 2)) {
    if (await run(load)) passing = load;
    else {
      failing = load;
      break;
    }
    if (load >= limits.max) break;
  }
  if (failing === undefined) return { capacity: passing, steps };
  while (failing - passing > Math.max(1, Math.floor(passing * limits.resolution))) {
    const middle = Math.floor((passing + failing) / 2);
    if (await run(middle)) passing = middle;
    else failing = middle;
  }
  return { capacity: passing, steps };
}
